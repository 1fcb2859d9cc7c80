// MXNet's symbol JSON (FORMATS.md "Symbol JSON"): the writer reproduces
// dmlc::JSONWriter's layout byte for byte; the reader accepts every MXNet 1.x
// spelling and applies MXNet's legacy upgraders by `mxnet_version`.
#include <algorithm>
#include <charconv>
#include <memory>
#include <unordered_map>
#include <variant>

#include "core/error.h"
#include "core/str.h"
#include "graph/symbol.h"

#ifndef SHARPNET_VERSION_STRING
#define SHARPNET_VERSION_STRING "0.0.0"
#endif

namespace sn {

namespace {

constexpr int kMXNetVersion = 10901;  // the MXNet release whose files Sharpnet writes (1.9.1)

// --- a small JSON value tree ----------------------------------------------------------------------------------

struct Json;
using JsonObject = std::vector<std::pair<std::string, Json>>;  // in file order
using JsonArray = std::vector<Json>;
struct Json {
  std::variant<std::nullptr_t, bool, double, std::string, JsonArray, JsonObject> v;
  size_t offset = 0;  // where it starts in the text (errors)
  const JsonObject* object() const { return std::get_if<JsonObject>(&v); }
  const JsonArray* array() const { return std::get_if<JsonArray>(&v); }
  const std::string* string() const { return std::get_if<std::string>(&v); }
  const double* number() const { return std::get_if<double>(&v); }
  const Json* find(std::string_view key) const {
    if (const JsonObject* o = object())
      for (const auto& [k, val] : *o)
        if (k == key) return &val;
    return nullptr;
  }
};

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Json document() {
    Json v = value(0);
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    SN_THROW(kFormat, "symbol JSON: ", what, " at line ", line, ", column ", column);
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (pos_ >= s_.size() || s_[pos_] != c) fail(str("expected '", c, "'"));
    ++pos_;
  }
  Json value(int depth) {
    if (depth > 256) fail("nesting deeper than 256 levels");
    skip_space();
    if (pos_ >= s_.size()) fail("unexpected end of text");
    Json j;
    j.offset = pos_;
    const char c = s_[pos_];
    if (c == '{') {
      ++pos_;
      JsonObject o;
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
      } else {
        for (;;) {
          skip_space();
          std::string key = string_literal();
          expect(':');
          o.emplace_back(std::move(key), value(depth + 1));
          skip_space();
          if (pos_ < s_.size() && s_[pos_] == ',') {
            ++pos_;
            continue;
          }
          expect('}');
          break;
        }
      }
      j.v = std::move(o);
    } else if (c == '[') {
      ++pos_;
      JsonArray a;
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
      } else {
        for (;;) {
          a.push_back(value(depth + 1));
          skip_space();
          if (pos_ < s_.size() && s_[pos_] == ',') {
            ++pos_;
            continue;
          }
          expect(']');
          break;
        }
      }
      j.v = std::move(a);
    } else if (c == '"') {
      j.v = string_literal();
    } else if (s_.substr(pos_, 4) == "true") {
      pos_ += 4;
      j.v = true;
    } else if (s_.substr(pos_, 5) == "false") {
      pos_ += 5;
      j.v = false;
    } else if (s_.substr(pos_, 4) == "null") {
      pos_ += 4;
      j.v = nullptr;
    } else {
      double d = 0;
      const char* begin = s_.data() + pos_;
      auto [end, ec] = std::from_chars(begin, s_.data() + s_.size(), d);
      if (ec != std::errc() || end == begin) fail("expected a JSON value");
      pos_ += static_cast<size_t>(end - begin);
      j.v = d;
    }
    return j;
  }
  std::string string_literal() {
    if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a string");
    ++pos_;
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case '/': out += '/'; break;
        case '\\': out += '\\'; break;
        case '"': out += '"'; break;
        case 'u': {
          if (pos_ + 4 > s_.size()) fail("short \\u escape");
          unsigned code = 0;
          auto [end, ec] = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, code, 16);
          if (ec != std::errc() || end != s_.data() + pos_ + 4) fail("bad \\u escape");
          pos_ += 4;
          if (code >= 0xD800 && code <= 0xDBFF && s_.substr(pos_, 2) == "\\u" && pos_ + 6 <= s_.size()) {
            unsigned low = 0;
            auto [end2, ec2] = std::from_chars(s_.data() + pos_ + 2, s_.data() + pos_ + 6, low, 16);
            if (ec2 == std::errc() && end2 == s_.data() + pos_ + 6 && low >= 0xDC00 && low <= 0xDFFF) {
              code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
              pos_ += 6;
            }
          }
          append_utf8(out, code);
          break;
        }
        default: fail(str("unknown string escape \\", e));
      }
    }
  }
  static void append_utf8(std::string& out, unsigned c) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// --- the writer: dmlc::JSONWriter's layout --------------------------------------------------------------------

// Note [dmlc JSON layout]
// dmlc's writer opens a scope per object/array, multi-line or not: objects are multi-line except maps of at most
// one entry; arrays are multi-line when they hold more than 10 items or non-scalar items (an input entry, itself
// a one-line [node, index, version], is a scalar for this rule). A multi-line scope puts each item on its own line,
// indented two spaces per open scope, and items are separated by ", " before the newline (hence the trailing
// spaces MXNet files have).
class Writer {
 public:
  std::string take() { return std::move(out_); }

  void begin(char open, bool multi_line) {
    out_ += open;
    scopes_.push_back({multi_line, 0});
  }
  void end(char close) {
    const Scope s = scopes_.back();
    scopes_.pop_back();
    if (s.multi_line && s.count != 0) newline();
    out_ += close;
  }
  void key(std::string_view k) {
    item();
    write_string(k);
    out_ += ": ";
  }
  void item() {
    Scope& s = scopes_.back();
    if (s.count != 0) out_ += ", ";
    ++s.count;
    newline();
  }
  void write_string(std::string_view v) {
    out_ += '"';
    for (char c : v) {
      switch (c) {
        case '\r': out_ += "\\r"; break;
        case '\n': out_ += "\\n"; break;
        case '\\': out_ += "\\\\"; break;
        case '\t': out_ += "\\t"; break;
        case '"': out_ += "\\\""; break;
        default: out_ += c;
      }
    }
    out_ += '"';
  }
  void raw(std::string_view v) { out_ += v; }

  void entry(size_t node, uint32_t index) {
    begin('[', false);
    item();
    raw(std::to_string(node));
    item();
    raw(std::to_string(index));
    item();
    raw("0");
    end(']');
  }
  void uint_array(const std::vector<size_t>& values) {
    begin('[', values.size() > 10);
    for (size_t v : values) {
      item();
      raw(std::to_string(v));
    }
    end(']');
  }
  void string_map(const std::map<std::string, std::string>& m) {
    begin('{', m.size() > 1);
    for (const auto& [k, v] : m) {
      key(k);
      write_string(v);
    }
    end('}');
  }

 private:
  void newline() {
    if (scopes_.empty() || scopes_.back().multi_line) {
      out_ += '\n';
      out_.append(scopes_.size() * 2, ' ');
    }
  }
  struct Scope {
    bool multi_line;
    size_t count;
  };
  std::string out_;
  std::vector<Scope> scopes_;
};

// --- reading helpers ------------------------------------------------------------------------------------------

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  SN_THROW(kFormat, "symbol JSON: ", where, ": ", what);
}

size_t as_index(const Json& j, const std::string& where, const char* what) {
  const double* d = j.number();
  if (d == nullptr || *d < 0 || *d != static_cast<double>(static_cast<int64_t>(*d)) || *d > 4294967295.0)
    bad(where, str(what, " expects a non-negative integer"));
  return static_cast<size_t>(*d);
}

// [node, index] or [node, index, version].
std::pair<size_t, uint32_t> read_entry(const Json& j, const std::string& where) {
  const JsonArray* a = j.array();
  if (a == nullptr || a->size() < 2 || a->size() > 3) bad(where, "an entry expects [node, output] or [node, output, version]");
  return {as_index((*a)[0], where, "the entry's node"), static_cast<uint32_t>(as_index((*a)[1], where, "the entry's output"))};
}

std::map<std::string, std::string> read_dict(const Json& j, const std::string& where) {
  const JsonObject* o = j.object();
  if (o == nullptr) bad(where, "attrs expects an object of strings");
  std::map<std::string, std::string> dict;
  for (const auto& [k, v] : *o) {
    if (const std::string* s = v.string()) dict[k] = *s;
    else bad(where, str("attribute '", k, "' expects a string"));
  }
  return dict;
}

// MXNet's hidden-key upgrade (UpgradeJSON_FixParsing): `lr_mult` and friends, once plain attributes, become
// `__lr_mult__`; `<input>_lr_mult` on an op node moves to that input's variable.
constexpr std::string_view kHiddenKeys[] = {"ctx_group", "lr_mult", "wd_mult", "force_mirroring", "mirror_stage",
                                            "profiler_scope"};

struct RawNode {
  NodePtr node;
  std::map<std::string, std::string> moved;  // hidden keys taken out before parsing
  std::vector<std::pair<size_t, uint32_t>> inputs;
  std::vector<size_t> control_deps;
};

void take_hidden_keys(RawNode& r) {
  for (auto it = r.node->dict.begin(); it != r.node->dict.end();) {
    const std::string& k = it->first;
    bool hidden = false;
    for (std::string_view key : kHiddenKeys) {
      const size_t pos = k.rfind(key);
      if (pos == 0 || (pos != std::string::npos && pos == k.size() - key.size())) hidden = true;
    }
    if (hidden) {
      r.moved.insert(*it);
      it = r.node->dict.erase(it);
    } else {
      ++it;
    }
  }
}

void put_back_hidden_keys(RawNode& r) {
  Node& n = *r.node;
  for (const auto& [k, v] : r.moved) {
    bool placed = false;
    for (std::string_view key : kHiddenKeys) {
      const size_t pos = k.rfind(key);
      if (pos == 0 && k.size() == key.size()) {
        n.dict[str("__", key, "__")] = v;
        placed = true;
        break;
      }
      if (pos != std::string::npos && pos > 1 && pos == k.size() - key.size()) {
        if (!n.is_variable()) {
          const std::string arg = k.substr(0, pos - 1);
          const OpDef& op = *n.attrs.op;
          for (size_t i = 0; i < n.inputs.size(); ++i) {
            if (op.input_name(static_cast<int>(i)) == arg && n.inputs[i].node->is_variable()) {
              n.inputs[i].node->dict[str("__", key, "__")] = v;
              placed = true;
            }
          }
        }
        break;
      }
    }
    if (!placed) n.dict[k] = v;
  }
}

std::string node_where(size_t id, const Node& n) { return str("node ", id, " ('", n.name, "')"); }

}  // namespace

std::string to_json(const Symbol& symbol) {
  const std::vector<Node*> nodes = topo_sort(symbol.outputs);
  std::unordered_map<const Node*, size_t> id;
  for (size_t i = 0; i < nodes.size(); ++i) id.emplace(nodes[i], i);

  Writer w;
  w.begin('{', true);
  w.key("nodes");
  w.begin('[', true);
  std::vector<size_t> arg_nodes, row_ptr{0};
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = *nodes[i];
    if (n.is_variable()) arg_nodes.push_back(i);
    row_ptr.push_back(row_ptr.back() + static_cast<size_t>(n.num_outputs()));
    w.item();
    w.begin('{', true);
    w.key("op");
    w.write_string(n.is_variable() ? "null" : n.attrs.op->name);
    w.key("name");
    w.write_string(n.name);
    if (!n.dict.empty()) {
      w.key("attrs");
      w.string_map(n.dict);
    }
    w.key("inputs");
    w.begin('[', n.inputs.size() > 10);
    for (const NodeEntry& e : n.inputs) {
      w.item();
      w.entry(id.at(e.node.get()), e.index);
    }
    w.end(']');
    if (!n.control_deps.empty()) {
      std::vector<size_t> deps;
      for (const NodePtr& d : n.control_deps) deps.push_back(id.at(d.get()));
      w.key("control_deps");
      w.uint_array(deps);
    }
    w.end('}');
  }
  w.end(']');
  w.key("arg_nodes");
  w.uint_array(arg_nodes);
  w.key("node_row_ptr");
  w.uint_array(row_ptr);
  w.key("heads");
  w.begin('[', symbol.outputs.size() > 10);
  for (const NodeEntry& e : symbol.outputs) {
    w.item();
    w.entry(id.at(e.node.get()), e.index);
  }
  w.end(']');
  w.key("attrs");
  w.begin('{', true);
  w.key("mxnet_version");
  w.begin('[', false);
  w.item();
  w.write_string("int");
  w.item();
  w.raw(std::to_string(kMXNetVersion));
  w.end(']');
  w.key("sharpnet_version");
  w.begin('[', false);
  w.item();
  w.write_string("str");
  w.item();
  w.write_string(SHARPNET_VERSION_STRING);
  w.end(']');
  w.end('}');
  w.end('}');
  return w.take();
}

Symbol from_json(std::string_view text) {
  const Json doc = Parser(text).document();
  if (doc.object() == nullptr) bad("the document", "expects an object with nodes and heads");
  const Json* jnodes = doc.find("nodes");
  const Json* jheads = doc.find("heads");
  if (jnodes == nullptr || jnodes->array() == nullptr) bad("the document", "expects a 'nodes' array");
  if (jheads == nullptr || jheads->array() == nullptr) bad("the document", "expects a 'heads' array");

  int version = 800;  // files without a version predate 0.9 (MXNet's rule)
  if (const Json* attrs = doc.find("attrs")) {
    if (const Json* v = attrs->find("mxnet_version")) {
      const JsonArray* a = v->array();
      if (a == nullptr || a->size() != 2 || a->at(1).number() == nullptr)
        bad("attrs", "mxnet_version expects [\"int\", version]");
      version = static_cast<int>(*a->at(1).number());
    }
  }

  // Pass 1: nodes, attributes and inputs as written.
  std::vector<RawNode> raw;
  const JsonArray& jn = *jnodes->array();
  raw.reserve(jn.size());
  for (size_t i = 0; i < jn.size(); ++i) {
    const Json& j = jn[i];
    const std::string where = str("node ", i);
    if (j.object() == nullptr) bad(where, "expects an object");
    const Json* op = j.find("op");
    const Json* name = j.find("name");
    const Json* inputs = j.find("inputs");
    if (op == nullptr || op->string() == nullptr) bad(where, "expects a string 'op'");
    if (name == nullptr || name->string() == nullptr) bad(where, "expects a string 'name'");
    if (inputs == nullptr || inputs->array() == nullptr) bad(where, "expects an 'inputs' array");
    if (j.find("subgraphs") != nullptr)
      SN_THROW(kUnsupported, "symbol JSON: ", where, " ('", *name->string(), "') has subgraphs (control-flow operators), "
               "which Sharpnet does not support");
    RawNode r;
    r.node = std::make_shared<Node>();
    r.node->name = *name->string();
    for (const char* key : {"attrs", "attr", "param"})
      if (const Json* a = j.find(key))
        for (auto& [k, v] : read_dict(*a, where)) r.node->dict[k] = v;
    if (*op->string() != "null") {
      try {
        r.node->attrs.op = &OpRegistry::get().at(*op->string());
      } catch (const Error& e) {
        throw_error(e.code(), str("symbol JSON: ", node_where(i, *r.node), ": ", e.message()));
      }
    }
    for (const Json& e : *inputs->array()) {
      auto [src, index] = read_entry(e, where);
      if (src >= i) bad(where, str("input node ", src, " does not come before it"));
      r.inputs.emplace_back(src, index);
    }
    if (const Json* deps = j.find("control_deps")) {
      if (deps->array() == nullptr) bad(where, "control_deps expects an array");
      for (const Json& d : *deps->array()) {
        const size_t src = as_index(d, where, "a control dependency");
        if (src >= i) bad(where, str("control dependency ", src, " does not come before it"));
        r.control_deps.push_back(src);
      }
    }
    raw.push_back(std::move(r));
  }

  // Pass 2: upgrade, parse and link in order (inputs come first, so their output counts are known).
  const bool upgrading = version < kMXNetVersion;
  for (size_t i = 0; i < raw.size(); ++i) {
    RawNode& r = raw[i];
    Node& n = *r.node;
    if (upgrading) take_hidden_keys(r);
    if (!n.is_variable()) {
      // ReduceAxisParam (0.9.5): argmax/argmin's int axis -1 meant "all axes", now spelled by leaving axis unset.
      if (version < 905 && (n.attrs.op->name == "argmax" || n.attrs.op->name == "argmin")) {
        auto it = n.dict.find("axis");
        if (it != n.dict.end() && it->second == "-1") n.dict.erase(it);
      }
      std::vector<ParamKV> kwargs;
      for (const auto& [k, v] : n.dict)
        if (!is_hidden_key(k)) kwargs.emplace_back(k, v);
      try {
        n.attrs = n.attrs.op->parse(kwargs);
      } catch (const Error& e) {
        throw_error(e.code(), str("symbol JSON: ", node_where(i, n), ": ", e.message()));
      }
    }
    for (const auto& [src, index] : r.inputs) {
      const NodePtr& in = raw[src].node;
      if (static_cast<int>(index) >= in->num_outputs())
        bad(node_where(i, n), str("reads output ", index, " of ", node_where(src, *in), ", which has ", in->num_outputs()));
      n.inputs.push_back(NodeEntry{in, index});
    }
    for (size_t d : r.control_deps) n.control_deps.push_back(raw[d].node);
    if (!n.is_variable()) {
      const OpDef& op = *n.attrs.op;
      const size_t expected = static_cast<size_t>(op.num_inputs(n.attrs));
      // Auxiliary states were not saved before 0.9: add them as MXNet's upgrader does.
      if (version < 900 && n.inputs.size() < expected && !op.variadic_inputs()) {
        for (size_t k = n.inputs.size(); k < expected; ++k) {
          NodePtr var = Node::variable(n.name.empty() ? op.input_name(static_cast<int>(k))
                                                      : n.name + "_" + op.input_name(static_cast<int>(k)));
          var->dict = n.dict;
          n.inputs.push_back(NodeEntry{std::move(var), 0});
        }
      }
      if (n.inputs.size() != expected)
        bad(node_where(i, n), str(op.name, " expects ", expected, " inputs under its parameters, got ", n.inputs.size()));
      // Initializer attributes of variable inputs (0.9.4).
      if (version < 904)
        for (const auto& [index, init] : op.input_inits) {
          Node& var = *n.inputs[static_cast<size_t>(index)].node;
          if (var.is_variable() && !var.dict.contains("__init__")) var.dict["__init__"] = init;
        }
    }
    if (upgrading) put_back_hidden_keys(r);
  }

  Symbol s;
  for (const Json& h : *jheads->array()) {
    auto [src, index] = read_entry(h, "heads");
    if (src >= raw.size()) bad("heads", str("node ", src, " does not exist (", raw.size(), " nodes)"));
    if (static_cast<int>(index) >= raw[src].node->num_outputs())
      bad("heads", str("output ", index, " of ", node_where(src, *raw[src].node), " does not exist"));
    s.outputs.push_back(NodeEntry{raw[src].node, index});
  }
  return s;
}

}  // namespace sn
