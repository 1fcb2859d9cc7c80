#include "ops/registry.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "core/error.h"
#include "core/str.h"
#include "ops/gradient.h"

namespace sn {


OpRegistry& OpRegistry::get() {
  static auto* registry = new OpRegistry;  // leaked: ops are static for the life of the process
  return *registry;
}

OpDef& OpRegistry::add(std::string name) {
  SN_INTERNAL_ASSERT(find(name) == nullptr, "op '", name, "' is registered twice");
  auto def = std::make_unique<OpDef>();
  def->id = static_cast<int32_t>(storage_.size());
  def->name = std::move(name);
  def->schema = &param_schema<NoParams>();
  def->new_params = [] { return std::shared_ptr<void>(std::make_shared<NoParams>()); };
  ops_.push_back(def.get());
  storage_.push_back(std::move(def));
  by_name_.emplace(storage_.back()->name, storage_.back().get());
  return *storage_.back();
}

const OpDef* OpRegistry::find(std::string_view name) const noexcept {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

void OpRegistry::add_alias(OpDef& op, std::string alias) {
  SN_INTERNAL_ASSERT(find(alias) == nullptr, "op name '", alias, "' is registered twice");
  op.alias_hints.push_back(OpDef::name_hint(alias));
  op.aliases.push_back(std::move(alias));
  by_name_.emplace(op.aliases.back(), &op);
}

const OpDef& OpRegistry::at(std::string_view name) const {
  if (const OpDef* op = find(name)) return *op;
  std::vector<std::string_view> names;
  for (const OpDef* op : ops_) names.push_back(op->name);
  std::string_view best = closest_match(name, names);
  if (!best.empty()) SN_THROW(kNotFound, "unknown operator '", name, "'; did you mean '", best, "'?");
  SN_THROW(kNotFound, "unknown operator '", name, "'");
}

const OpDef& OpRegistry::at(int32_t id) const {
  SN_CHECK_INDEX(id >= 0 && static_cast<size_t>(id) < ops_.size(), "operator id ", id, " is out of range (",
                 ops_.size(), " operators)");
  return *ops_[static_cast<size_t>(id)];
}

std::string OpDef::name_hint(std::string_view name) {
  std::string hint(name);
  for (char& c : hint) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return hint;
}

bool OpDef::supports(DType t) const noexcept {
  return dtypes.empty() || std::find(dtypes.begin(), dtypes.end(), t) != dtypes.end();
}

OpAttrs OpDef::parse(std::span<const ParamKV> kwargs) const {
  std::shared_ptr<void> p = new_params();
  schema->parse(p.get(), kwargs, name);
  return OpAttrs{this, std::move(p)};
}

OpAttrs OpDef::parse(std::span<const IndexedParamValue> values) const {
  std::shared_ptr<void> p = new_params();
  schema->set(p.get(), values, name);
  return OpAttrs{this, std::move(p)};
}

OpAttrs OpDef::defaults() const {
  SN_CHECK(std::none_of(schema->fields().begin(), schema->fields().end(), [](const ParamField& f) { return f.required; }),
           name, ": has required parameters; give them");
  return OpAttrs{this, new_params()};
}

OpRegistrar& OpRegistrar::gradient(GradientFn f, std::vector<int> reads_inputs, std::vector<int> reads_outputs) {
  def_.gradient = f;
  size_t nin = std::max(def_.input_names.size(), size_t{8});
  def_.grad_reads_input.assign(nin, false);
  for (int i : reads_inputs) {
    if (static_cast<size_t>(i) >= def_.grad_reads_input.size()) def_.grad_reads_input.resize(static_cast<size_t>(i) + 1);
    def_.grad_reads_input[static_cast<size_t>(i)] = true;
  }
  def_.grad_reads_output.assign(std::max(def_.output_names.size(), size_t{1}), false);
  for (int i : reads_outputs) {
    if (static_cast<size_t>(i) >= def_.grad_reads_output.size()) def_.grad_reads_output.resize(static_cast<size_t>(i) + 1);
    def_.grad_reads_output[static_cast<size_t>(i)] = true;
  }
  return *this;
}

Shape GradBuilder::known_input_shape(int i) const {
  Shape s = input_shape(i);
  const OpDef& op = *attrs().op;
  SN_CHECK_WITH_CODE_(kShape, s.is_known(), op.name, ": its gradient needs the shape of input ", i, " (",
                      op.input_name(i), "), which is not known (", s, "); infer shapes before building gradients");
  return s;
}

DType GradBuilder::known_input_dtype(int i) const {
  const int t = input_dtype(i);
  const OpDef& op = *attrs().op;
  SN_CHECK_WITH_CODE_(kType, t >= 0, op.name, ": its gradient needs the dtype of input ", i, " (", op.input_name(i),
                      "), which is not known; infer dtypes before building gradients");
  return static_cast<DType>(t);
}

GradParams::GradParams(const OpAttrs& attrs, std::initializer_list<std::string_view> keep) {
  for (auto& [k, v] : attrs.op->schema->print(attrs.params.get()))
    for (std::string_view want : keep)
      if (k == want) items.emplace_back(k, v);
}

}  // namespace sn
