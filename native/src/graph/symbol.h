// Symbol: a list of output entries of a graph, composed op by op (MXNet's
// nnvm::Symbol), with MXNet's naming, listing, attribute and inference rules
// (FORMATS.md "Naming rules") and its JSON format (symbol_json.cc).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace sn {

// Note [Symbol attributes]
// A node's `dict` is MXNet's attrs.dict: the op parameters the user set, in
// the spelling they were given (typed values printed in Python's spelling,
// text kept as written), plus hidden attributes (`__shape__`, `__lr_mult__`,
// ...) and any other string attributes. The JSON writes exactly this dict,
// so a graph built here saves as MXNet's would and a loaded graph re-saves as
// it was read. The parsed OpAttrs are derived from the dict's non-hidden
// entries and re-derived whenever one of them changes.
class Symbol {
 public:
  std::vector<NodeEntry> outputs;

  Symbol() = default;
  explicit Symbol(std::vector<NodeEntry> entries) : outputs(std::move(entries)) {}

  // A variable (an input of the graph).
  static Symbol variable(const std::string& name);
  // `op` applied to `inputs` (one per input of the op; null entries become new variables named
  // "<name>_<input name>" that carry `dict` as MXNet's do). Each given input must have exactly one
  // output. `dict` holds the parameters as the user gave them (Note [Symbol attributes]); `attrs`
  // is their parsed form. `name` must not be empty (naming is the caller's: NameManager).
  static Symbol create(OpAttrs attrs, std::map<std::string, std::string> dict, std::span<const Symbol* const> inputs,
                       const std::string& name);
  // As create, parsing `dict` (MXNet's string parameters; hidden `__x__` keys are kept as attributes).
  static Symbol create(const OpDef& op, std::map<std::string, std::string> dict, std::span<const Symbol* const> inputs,
                       const std::string& name);
  // The outputs of several symbols, in order.
  static Symbol group(std::span<const Symbol* const> symbols);

  size_t num_outputs() const noexcept { return outputs.size(); }
  // Output `index` alone.
  Symbol operator[](size_t index) const;
  // The output named `name` (as list_outputs spells it); kNotFound error listing the names otherwise.
  Symbol output(const std::string& name) const;
  // Every node's visible outputs, variables included, inputs before users (MXNet's get_internals).
  Symbol internals() const;
  // The inputs of the head nodes, grouped; empty when the heads are variables.
  Symbol children() const;

  // Non-auxiliary variables, auxiliary states (inputs an op mutates), all variables; each in graph order.
  std::vector<std::string> list_arguments() const;
  std::vector<std::string> list_auxiliary_states() const;
  std::vector<std::string> list_inputs() const;
  std::vector<std::string> list_outputs() const;
  // The name of the single head node ("" for a group of several nodes).
  std::string name() const;

  // Attribute `key` of the single head node (nullopt if unset).
  std::optional<std::string> attr(const std::string& key) const;
  // The head node's attributes (dict), or every node's as "<node>$<key>" when `recursive` (MXNet's
  // attr_dict flattening: list_attr(recursive=True)).
  std::map<std::string, std::string> list_attr(bool recursive = false) const;
  // Sets attributes on the single head node; a parameter of its op is re-parsed (errors name the op).
  void set_attr(const std::string& key, const std::string& value);

  // Deep copy: new nodes with the same names, ops and attributes.
  Symbol copy() const;
};

// Shapes per argument, output and auxiliary state, in list order; unknown ones are Shape::unknown().
struct ShapeInference {
  std::vector<Shape> arguments, outputs, auxiliary_states;
  bool complete = false;  // every shape of every entry known
};
struct TypeInference {
  std::vector<int> arguments, outputs, auxiliary_states;  // -1 where unknown
  bool complete = false;
};

// Infers every entry's shape from the given input shapes (by input name; argument or auxiliary
// state) and the variables' `__shape__` attributes, in both directions until nothing changes.
// An unknown name is a kNotFound error listing the inputs; a conflict is a kShape error naming the
// node and the shapes. Legacy semantics: 0 dims in given shapes mean unknown.
ShapeInference infer_shape(const Symbol& symbol, const std::map<std::string, Shape>& known);
TypeInference infer_type(const Symbol& symbol, const std::map<std::string, int>& known);

// MXNet's JSON (FORMATS.md "Symbol JSON"): written byte for byte as MXNet 1.9's writer does, read
// with every MXNet 1.x leniency and upgrader. Errors are kFormat, naming the node and the field.
std::string to_json(const Symbol& symbol);
Symbol from_json(std::string_view json);

// Whether `key` is a hidden attribute (`__x__`), which op parameter parsing skips.
bool is_hidden_key(std::string_view key) noexcept;

}  // namespace sn
