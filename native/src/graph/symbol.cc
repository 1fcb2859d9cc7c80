#include "graph/symbol.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/param.h"
#include "core/str.h"
#include "graph/infer.h"

namespace sn {

bool is_hidden_key(std::string_view key) noexcept {
  return key.size() > 4 && key.starts_with("__") && key.ends_with("__");
}

namespace {

// The op parameters in a dict (hidden keys are attributes, not parameters).
OpAttrs parse_dict(const OpDef& op, const std::map<std::string, std::string>& dict) {
  std::vector<ParamKV> kwargs;
  for (const auto& [k, v] : dict)
    if (!is_hidden_key(k)) kwargs.emplace_back(k, v);
  return op.parse(kwargs);
}

const Symbol& single_input(const Symbol& s, const OpDef& op, const std::string& name, int i) {
  SN_CHECK(s.outputs.size() == 1, op.name, " '", name, "': input ", i, " (", op.input_name(i),
           ") expects a symbol with one output, got one with ", s.outputs.size(), " outputs (",
           join(s.list_outputs(), ", "), "); pick one by index or name");
  return s;
}

// The variables in graph order, each with whether some op mutates it (an auxiliary state).
std::vector<std::pair<Node*, bool>> classified_inputs(const Symbol& s) {
  const std::vector<Node*> order = topo_sort(s.outputs);
  std::unordered_set<const Node*> aux;
  for (Node* n : order) {
    if (n->is_variable()) continue;
    for (int i : n->attrs.op->aux_inputs)
      if (static_cast<size_t>(i) < n->inputs.size()) aux.insert(n->inputs[static_cast<size_t>(i)].node.get());
  }
  std::vector<std::pair<Node*, bool>> vars;
  for (Node* n : order)
    if (n->is_variable()) vars.emplace_back(n, aux.contains(n));
  return vars;
}

std::vector<std::string> input_names(const Symbol& s, bool args, bool aux) {
  std::vector<std::string> names;
  for (const auto& [n, is_aux] : classified_inputs(s))
    if (is_aux ? aux : args) names.push_back(n->name);
  return names;
}

Node& single_head(const Symbol& s, const char* what) {
  SN_CHECK(!s.outputs.empty(), what, " needs a symbol with outputs; this one is empty");
  Node* n = s.outputs[0].node.get();
  for (const NodeEntry& e : s.outputs)
    SN_CHECK(e.node.get() == n, what, " works on a symbol with one output node; this one groups ", s.outputs.size(),
             " outputs");
  return *n;
}

std::string output_name(const NodeEntry& e) {
  const Node& n = *e.node;
  if (n.is_variable()) return n.name;
  const OpDef& op = *n.attrs.op;
  std::string r;
  if (e.index < op.output_names.size() && !op.output_names[e.index].empty() && !op.num_outputs_fn) {
    r = op.output_names[e.index];
  } else {
    r = "output";
    if (n.num_outputs() != 1) r += std::to_string(e.index);
  }
  return n.name.empty() ? r : n.name + "_" + r;
}

}  // namespace

Symbol Symbol::variable(const std::string& name) {
  SN_CHECK(!name.empty(), "Symbol.Variable: argument 'name' must not be empty");
  return Symbol({NodeEntry{Node::variable(name), 0}});
}

Symbol Symbol::create(OpAttrs attrs, std::map<std::string, std::string> dict, std::span<const Symbol* const> inputs,
                      const std::string& name) {
  const OpDef& op = *attrs.op;
  SN_CHECK(!name.empty(), op.name, ": a symbol needs a node name; got an empty one");
  const int n_in = op.num_inputs(attrs);
  if (op.variadic_inputs()) {
    SN_CHECK(static_cast<int>(inputs.size()) == n_in, op.name, " '", name, "': ", op.variadic_key, " is ", n_in,
             " but ", inputs.size(), " inputs were given");
  } else {
    SN_CHECK(inputs.size() <= op.input_names.size(), op.name, " '", name, "': takes at most ", op.input_names.size(),
             " inputs (", join(op.input_names, ", "), "), got ", inputs.size());
    for (size_t i = static_cast<size_t>(n_in); i < inputs.size(); ++i) {
      const OpDef::OptionalInput* c = op.optional_input(static_cast<int>(i));
      SN_CHECK(inputs[i] == nullptr, op.name, " '", name, "': input '", op.input_names[i], "' is given but ",
               c ? str("is used only when ", c->param, " is ", c->value) : std::string("is not used"),
               " under these parameters");
    }
  }
  std::vector<NodeEntry> entries;
  entries.reserve(static_cast<size_t>(n_in));
  for (int i = 0; i < n_in; ++i) {
    const auto k = static_cast<size_t>(i);
    const Symbol* s = k < inputs.size() ? inputs[k] : nullptr;
    if (s != nullptr) {
      entries.push_back(single_input(*s, op, name, i).outputs[0]);
    } else {
      SN_CHECK(!op.variadic_inputs(), op.name, " '", name, "': input ", i, " is missing (variadic inputs are not "
               "created as variables)");
      NodePtr var = Node::variable(name + "_" + op.input_name(i));
      var->dict = dict;  // MXNet copies the op's attributes onto the variables it creates
      entries.push_back(NodeEntry{std::move(var), 0});
    }
  }
  for (const auto& [index, init] : op.input_inits) {
    const auto k = static_cast<size_t>(index);
    if (k < entries.size() && entries[k].node->is_variable() && !entries[k].node->dict.contains("__init__"))
      entries[k].node->dict["__init__"] = init;
  }
  NodePtr node = Node::op(std::move(attrs), std::move(entries), name);
  node->dict = std::move(dict);
  const int visible = op.num_visible(node->attrs);
  Symbol out;
  for (int i = 0; i < visible; ++i) out.outputs.push_back(NodeEntry{node, static_cast<uint32_t>(i)});
  return out;
}

Symbol Symbol::create(const OpDef& op, std::map<std::string, std::string> dict, std::span<const Symbol* const> inputs,
                      const std::string& name) {
  // Variadic ops count their inputs themselves unless told (MXNet's key_var_num_args); the count is recorded.
  if (op.variadic_inputs() && !dict.contains(op.variadic_key)) dict[op.variadic_key] = std::to_string(inputs.size());
  OpAttrs attrs = parse_dict(op, dict);
  return create(std::move(attrs), std::move(dict), inputs, name);
}

Symbol Symbol::group(std::span<const Symbol* const> symbols) {
  Symbol out;
  for (const Symbol* s : symbols) {
    SN_CHECK(s != nullptr, "Symbol.Group: a symbol is null");
    out.outputs.insert(out.outputs.end(), s->outputs.begin(), s->outputs.end());
  }
  return out;
}

Symbol Symbol::operator[](size_t index) const {
  SN_CHECK_INDEX(index < outputs.size(), "Symbol: output index ", index, " is out of range; the symbol has ",
                 outputs.size(), " output(s)");
  return Symbol({outputs[index]});
}

Symbol Symbol::output(const std::string& name) const {
  const std::vector<std::string> names = list_outputs();
  std::vector<size_t> hits;
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) hits.push_back(i);
  if (hits.empty()) {
    std::vector<std::string_view> views(names.begin(), names.end());
    const std::string_view best = closest_match(name, views);
    SN_THROW(kNotFound, "Symbol: no output named '", name, "'", best.empty() ? "." : str("; did you mean '", best, "'?"),
             " The outputs are ", join(names, ", "));
  }
  SN_CHECK(hits.size() == 1, "Symbol: ", hits.size(), " outputs are named '", name, "'; index by position instead");
  return (*this)[hits[0]];
}

Symbol Symbol::internals() const {
  Symbol out;
  // topo_sort gives raw pointers; the entries need shared ownership of each node.
  std::unordered_map<const Node*, NodePtr> owner;
  std::vector<NodePtr> stack;
  for (const NodeEntry& e : outputs) stack.push_back(e.node);
  while (!stack.empty()) {
    NodePtr n = std::move(stack.back());
    stack.pop_back();
    if (!n || !owner.emplace(n.get(), n).second) continue;
    for (const NodeEntry& in : n->inputs) stack.push_back(in.node);
    for (const NodePtr& c : n->control_deps) stack.push_back(c);
  }
  for (Node* n : topo_sort(outputs)) {
    const NodePtr& p = owner.at(n);
    const int count = n->is_variable() ? 1 : n->attrs.op->num_visible(n->attrs);
    for (int i = 0; i < count; ++i) out.outputs.push_back(NodeEntry{p, static_cast<uint32_t>(i)});
  }
  return out;
}

Symbol Symbol::children() const {
  Symbol out;
  std::unordered_set<const Node*> seen;
  for (const NodeEntry& e : outputs) {
    if (!seen.insert(e.node.get()).second) continue;
    out.outputs.insert(out.outputs.end(), e.node->inputs.begin(), e.node->inputs.end());
  }
  return out;
}

std::vector<std::string> Symbol::list_arguments() const { return input_names(*this, true, false); }
std::vector<std::string> Symbol::list_auxiliary_states() const { return input_names(*this, false, true); }
std::vector<std::string> Symbol::list_inputs() const { return input_names(*this, true, true); }

std::vector<std::string> Symbol::list_outputs() const {
  std::vector<std::string> names;
  names.reserve(outputs.size());
  for (const NodeEntry& e : outputs) names.push_back(output_name(e));
  return names;
}

std::string Symbol::name() const {
  if (outputs.empty()) return {};
  for (const NodeEntry& e : outputs)
    if (e.node != outputs[0].node) return {};
  return outputs[0].node->name;
}

std::optional<std::string> Symbol::attr(const std::string& key) const {
  const Node& n = single_head(*this, "Symbol.Attr");
  auto it = n.dict.find(key);
  if (it == n.dict.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, std::string> Symbol::list_attr(bool recursive) const {
  if (!recursive) return single_head(*this, "Symbol.ListAttr").dict;
  std::map<std::string, std::string> all;
  for (Node* n : topo_sort(outputs))
    for (const auto& [k, v] : n->dict) all[n->name + "$" + k] = v;
  return all;
}

void Symbol::set_attr(const std::string& key, const std::string& value) {
  Node& n = single_head(*this, "Symbol.SetAttr");
  SN_CHECK(!key.empty(), "Symbol.SetAttr: the key must not be empty");
  if (key == "name") {  // MXNet renames the node
    SN_CHECK(!value.empty(), "Symbol.SetAttr: a node name must not be empty");
    n.name = value;
    return;
  }
  if (n.is_variable() || is_hidden_key(key)) {
    n.dict[key] = value;
    return;
  }
  std::map<std::string, std::string> dict = n.dict;
  dict[key] = value;
  OpAttrs parsed = parse_dict(*n.attrs.op, dict);  // throws naming the op and the parameter; nothing changed then
  SN_CHECK(parsed.op->num_inputs(parsed) == static_cast<int>(n.inputs.size()), n.attrs.op->name, " '", n.name,
           "': setting ", key, "=", value, " would change its number of inputs (", n.inputs.size(), " to ",
           parsed.op->num_inputs(parsed), "); compose a new symbol instead");
  n.attrs = std::move(parsed);
  n.dict = std::move(dict);
}

Symbol Symbol::copy() const {
  std::unordered_map<const Node*, NodePtr> copies;
  for (Node* n : topo_sort(outputs)) {
    auto c = std::make_shared<Node>();
    c->attrs = n->attrs;
    c->name = n->name;
    c->dict = n->dict;
    for (const NodeEntry& in : n->inputs) c->inputs.push_back(NodeEntry{copies.at(in.node.get()), in.index});
    for (const NodePtr& d : n->control_deps) c->control_deps.push_back(copies.at(d.get()));
    copies.emplace(n, std::move(c));
  }
  Symbol out;
  for (const NodeEntry& e : outputs) out.outputs.push_back(NodeEntry{copies.at(e.node.get()), e.index});
  return out;
}

// --- inference ------------------------------------------------------------------------------------------------

namespace {

template <class T, class R>
R infer_symbol(const Symbol& s, const std::map<std::string, typename T::Value>& known,
               typename T::Value (*from_attr)(const Node&)) {
  const IndexedGraph g(topo_sort(s.outputs));
  std::vector<typename T::Value> values(g.num_entries(), T::unknown());
  std::unordered_map<std::string, size_t> by_name;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = *g.nodes[i];
    if (!n.is_variable()) continue;
    by_name.emplace(n.name, g.row_ptr[i]);
    values[g.row_ptr[i]] = from_attr(n);
  }
  for (const auto& [name, v] : known) {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      SN_THROW(kNotFound, "infer_", T::kWhat, ": '", name, "' is not an input of the symbol; its inputs are ",
               join(s.list_inputs(), ", "));
    }
    typename T::Value before = values[it->second];
    if (!T::merge(values[it->second], v))
      throw_error(T::kCode, str("infer_", T::kWhat, ": input '", name, "' is given ", T::kWhat, " ", T::text(v),
                                " but its attribute says ", T::text(before)));
  }
  values = T::infer(g, std::move(values));

  R r;
  r.complete = std::all_of(values.begin(), values.end(), [](const auto& v) { return T::known(v); });
  for (const auto& [n, is_aux] : classified_inputs(s))
    (is_aux ? r.auxiliary_states : r.arguments).push_back(values[g.row_ptr[g.id.at(n)]]);
  for (const NodeEntry& e : s.outputs) r.outputs.push_back(values[g.entry(e)]);
  return r;
}

Shape shape_attr(const Node& n) {
  auto it = n.dict.find("__shape__");
  if (it == n.dict.end()) return Shape::unknown();
  std::optional<Shape> s = detail::parse_int_tuple(it->second);
  const bool ok = s && std::all_of(s->begin(), s->end(), [](int64_t d) { return d >= 0; });
  SN_CHECK(ok, "variable '", n.name, "': attribute __shape__ expects a shape such as (3, 4), got '", it->second, "'");
  return Shape::from_legacy(s->dims());
}

int dtype_attr(const Node& n) {
  auto it = n.dict.find("__dtype__");
  if (it == n.dict.end()) return -1;
  int flag = -1;
  const std::string& v = it->second;
  const bool digits = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits && v.size() < 4) flag = std::stoi(v);
  SN_CHECK(flag >= 0 && is_valid_dtype_flag(flag), "variable '", n.name,
           "': attribute __dtype__ expects a dtype flag (0 float32, 1 float64, 2 float16, ...), got '", v, "'");
  return flag;
}

}  // namespace

ShapeInference infer_shape(const Symbol& symbol, const std::map<std::string, Shape>& known) {
  std::map<std::string, Shape> legacy;
  for (const auto& [k, v] : known) legacy.emplace(k, v.ndim_known() ? Shape::from_legacy(v.dims()) : v);
  return infer_symbol<ShapeTraits, ShapeInference>(symbol, legacy, shape_attr);
}

TypeInference infer_type(const Symbol& symbol, const std::map<std::string, int>& known) {
  return infer_symbol<TypeTraits, TypeInference>(symbol, known, dtype_attr);
}

}  // namespace sn
