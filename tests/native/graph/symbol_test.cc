// Symbol: composition and MXNet's naming, listing, attributes, inference in
// both directions, and MXNet's JSON (byte-exact writing, legacy reading).
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "graph/symbol.h"
#include "ops/conformance.h"
#include "ops/imperative.h"

namespace sn {
namespace {

using Dict = std::map<std::string, std::string>;

Symbol op(const std::string& name, const std::string& node, std::vector<const Symbol*> inputs, Dict params = {}) {
  return Symbol::create(OpRegistry::get().at(name), std::move(params), inputs, node);
}

using Strings = std::vector<std::string>;

// API.md's network: conv, BatchNorm, relu, max pooling, FullyConnected, SoftmaxOutput.
Symbol api_network() {
  Symbol data = Symbol::variable("data");
  Symbol conv = op("Convolution", "conv1", {&data}, {{"num_filter", "128"}, {"kernel", "(3, 3)"}, {"pad", "(1, 1)"}});
  Symbol bn = op("BatchNorm", "bn1", {&conv});
  Symbol relu = op("Activation", "relu1", {&bn}, {{"act_type", "relu"}});
  Symbol pool = op("Pooling", "pool1", {&relu}, {{"kernel", "(2, 2)"}, {"stride", "(2, 2)"}, {"pool_type", "max"}});
  Symbol fc = op("FullyConnected", "fc1", {&pool}, {{"num_hidden", "2"}});
  return op("SoftmaxOutput", "softmax", {&fc});
}

template <class F>
ErrorCode error_of(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.message();
    return e.code();
  }
  return ErrorCode::kOk;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

Shape internals_shape_of(const Symbol& s, const std::string& name, Shape data) {
  return infer_shape(s.internals().output(name), {{"data", std::move(data)}}).outputs.at(0);
}

// The text before the graph-level "attrs" (which carry the writer's version stamps).
std::string without_graph_attrs(const std::string& json) { return json.substr(0, json.rfind("\"attrs\": {")); }

TEST(Symbol, ListsArgumentsAuxiliaryStatesAndOutputsAsMXNet) {
  const Symbol net = api_network();
  EXPECT_EQ(net.list_arguments(), (Strings{"data", "conv1_weight", "conv1_bias", "bn1_gamma", "bn1_beta", "fc1_weight",
                                           "fc1_bias", "softmax_label"}));
  EXPECT_EQ(net.list_auxiliary_states(), (Strings{"bn1_moving_mean", "bn1_moving_var"}));
  EXPECT_EQ(net.list_inputs(), (Strings{"data", "conv1_weight", "conv1_bias", "bn1_gamma", "bn1_beta",
                                        "bn1_moving_mean", "bn1_moving_var", "fc1_weight", "fc1_bias", "softmax_label"}));
  EXPECT_EQ(net.list_outputs(), (Strings{"softmax_output"}));
  EXPECT_EQ(net.name(), "softmax");
}

TEST(Symbol, InfersTheShapesOfApiMd) {
  const ShapeInference r = infer_shape(api_network(), {{"data", Shape{1, 3, 10, 10}}});
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.arguments, (std::vector<Shape>{{1, 3, 10, 10}, {128, 3, 3, 3}, {128}, {128}, {128}, {2, 3200}, {2}, {1}}));
  EXPECT_EQ(r.outputs, (std::vector<Shape>{{1, 2}}));
  EXPECT_EQ(r.auxiliary_states, (std::vector<Shape>{{128}, {128}}));
  const TypeInference t = infer_type(api_network(), {{"data", 0}});
  ASSERT_TRUE(t.complete);
  EXPECT_EQ(t.arguments, std::vector<int>(8, 0));
  EXPECT_EQ(t.auxiliary_states, std::vector<int>(2, 0));
}

TEST(Symbol, InfersBackwardsFromOutputsAndFromVariableAttributes) {
  // The label's shape comes from the data's through SoftmaxOutput; the data's batch from a __shape__ attribute.
  Symbol x = Symbol::variable("x");
  x.set_attr("__shape__", "(4, 0)");  // legacy: 0 is unknown
  Symbol w = Symbol::variable("w");
  w.set_attr("__shape__", "(3, 5)");
  Symbol fc = op("FullyConnected", "fc", {&x, &w}, {{"num_hidden", "3"}, {"no_bias", "True"}});
  const ShapeInference r = infer_shape(fc, {});
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.arguments, (std::vector<Shape>{{4, 5}, {3, 5}}));
  EXPECT_EQ(r.outputs, (std::vector<Shape>{{4, 3}}));
}

TEST(Symbol, PartialInferenceLeavesUnknownsUnknown) {
  // Nothing is known without the data (MXNet's ops need its rank); with an unknown batch, everything else is.
  ShapeInference r = infer_shape(api_network(), {});
  EXPECT_FALSE(r.complete);
  EXPECT_FALSE(r.arguments[0].ndim_known());
  EXPECT_FALSE(r.arguments[1].ndim_known());
  // With an unknown batch every weight of API.md's network is known; the batch stays unknown.
  r = infer_shape(api_network(), {{"data", Shape{0, 3, 10, 10}}});  // legacy: 0 is unknown
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.arguments, (std::vector<Shape>{{-1, 3, 10, 10}, {128, 3, 3, 3}, {128}, {128}, {128}, {2, 3200}, {2}, {-1}}));
  EXPECT_EQ(r.auxiliary_states, (std::vector<Shape>{{128}, {128}}));
  EXPECT_EQ(r.outputs, (std::vector<Shape>{{-1, 2}}));
  // An MLP with an unknown batch: every weight is known, the batch stays unknown.
  Symbol data = Symbol::variable("data");
  Symbol fc1 = op("FullyConnected", "fc1", {&data}, {{"num_hidden", "16"}});
  Symbol act = op("Activation", "relu1", {&fc1}, {{"act_type", "relu"}});
  Symbol fc2 = op("FullyConnected", "fc2", {&act}, {{"num_hidden", "10"}});
  Symbol net = op("SoftmaxOutput", "softmax", {&fc2});
  r = infer_shape(net, {{"data", Shape{0, 784}}});  // legacy: 0 is unknown
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.arguments, (std::vector<Shape>{{-1, 784}, {16, 784}, {16}, {10, 16}, {10}, {-1}}));
  EXPECT_EQ(r.outputs, (std::vector<Shape>{{-1, 10}}));
  // The batch, given at the label, reaches the data, through every layer of API.md's network too.
  r = infer_shape(net, {{"data", Shape{0, 784}}, {"softmax_label", Shape{32}}});
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.arguments[0], (Shape{32, 784}));
  r = infer_shape(api_network(), {{"data", Shape{0, 3, 10, 10}}, {"softmax_label", Shape{4}}});
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.arguments[0], (Shape{4, 3, 10, 10}));
}

TEST(Symbol, ShapeConflictsNameTheNodeAndTheShapes) {
  std::string msg;
  EXPECT_EQ(error_of([] { (void)infer_shape(api_network(), {{"data", Shape{1, 3, 10, 10}}, {"fc1_bias", Shape{3}}}); },
                     &msg),
            ErrorCode::kShape);
  EXPECT_NE(msg.find("fc1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(3,)"), std::string::npos) << msg;
  EXPECT_EQ(error_of([] { (void)infer_shape(api_network(), {{"date", Shape{1}}}); }, &msg), ErrorCode::kNotFound);
  EXPECT_NE(msg.find("'date' is not an input"), std::string::npos) << msg;
}

TEST(Symbol, SeedArithmeticNamesOutputsAsMXNet) {
  // (A + B) / 10 + 1 with MXNet's names: _plus0, _divscalar0, _plusscalar0.
  Symbol a = Symbol::variable("A"), b = Symbol::variable("B");
  Symbol sum = op("broadcast_add", "_plus0", {&a, &b});
  Symbol div = op("_div_scalar", "_divscalar0", {&sum}, {{"scalar", "10"}});
  Symbol out = op("_plus_scalar", "_plusscalar0", {&div}, {{"scalar", "1"}});
  EXPECT_EQ(out.list_arguments(), (Strings{"A", "B"}));
  EXPECT_EQ(out.list_outputs(), (Strings{"_plusscalar0_output"}));
}

TEST(Symbol, InternalsCutTheGraphByOutputName) {
  const Symbol net = api_network();
  const Symbol internals = net.internals();
  const Strings names = internals.list_outputs();
  EXPECT_EQ(names.front(), "data");
  EXPECT_EQ(names.back(), "softmax_output");
  EXPECT_NE(std::find(names.begin(), names.end(), "bn1_moving_var"), names.end());
  // BatchNorm shows one output (its mean and var are hidden without output_mean_var).
  EXPECT_EQ(std::count_if(names.begin(), names.end(), [](const std::string& n) { return n.starts_with("bn1_"); }), 5);
  const Symbol mini = internals.output("pool1_output");
  EXPECT_EQ(mini.list_arguments(), (Strings{"data", "conv1_weight", "conv1_bias", "bn1_gamma", "bn1_beta"}));
  Symbol fc = op("FullyConnected", "fc_new", {&mini}, {{"num_hidden", "5"}});
  Symbol sm = op("SoftmaxOutput", "softmax", {&fc});
  const ShapeInference r = infer_shape(sm, {{"data", Shape{2, 3, 10, 10}}});
  EXPECT_EQ(r.outputs, (std::vector<Shape>{{2, 5}}));

  std::string msg;
  EXPECT_EQ(error_of([&] { (void)internals.output("pool1_outptu"); }, &msg), ErrorCode::kNotFound);
  EXPECT_NE(msg.find("did you mean 'pool1_output'"), std::string::npos) << msg;
}

TEST(Symbol, ChildrenAreTheInputsOfTheHeads) {
  const Symbol net = api_network();
  EXPECT_EQ(net.children().list_outputs(), (Strings{"fc1_output", "softmax_label"}));
  EXPECT_TRUE(Symbol::variable("x").children().outputs.empty());
}

TEST(Symbol, MultiOutputNamesAndGroups) {
  Symbol x = Symbol::variable("x");
  Symbol bn = op("BatchNorm", "bn", {&x}, {{"output_mean_var", "True"}});
  EXPECT_EQ(bn.list_outputs(), (Strings{"bn_output", "bn_mean", "bn_var"}));
  Symbol parts = op("split", "split0", {&x}, {{"num_outputs", "3"}});
  EXPECT_EQ(parts.list_outputs(), (Strings{"split0_output0", "split0_output1", "split0_output2"}));
  const Symbol* both[] = {&bn, &parts};
  Symbol g = Symbol::group(both);
  EXPECT_EQ(g.num_outputs(), 6u);
  EXPECT_EQ(g[4].list_outputs(), (Strings{"split0_output1"}));
  EXPECT_EQ(g.name(), "");
  std::string msg;
  EXPECT_EQ(error_of([&] { (void)op("relu", "r", {&parts}); }, &msg), ErrorCode::kInvalidArgument);
  EXPECT_NE(msg.find("expects a symbol with one output, got one with 3 outputs"), std::string::npos) << msg;
  EXPECT_EQ(error_of([&] { (void)g[6]; }), ErrorCode::kIndex);
}

TEST(Symbol, VariadicOpsCountTheirInputs) {
  Symbol a = Symbol::variable("a"), b = Symbol::variable("b"), c = Symbol::variable("c");
  Symbol cat = op("Concat", "cat", {&a, &b, &c}, {{"dim", "1"}});
  EXPECT_EQ(cat.attr("num_args"), "3");
  EXPECT_EQ(cat.list_arguments(), (Strings{"a", "b", "c"}));
  EXPECT_EQ(infer_shape(cat, {{"a", Shape{2, 1}}, {"b", Shape{2, 2}}, {"c", Shape{2, 3}}}).outputs,
            (std::vector<Shape>{{2, 6}}));
  std::string msg;
  EXPECT_EQ(error_of([&] { (void)op("Concat", "cat", {&a, &b}, {{"num_args", "3"}}); }, &msg),
            ErrorCode::kInvalidArgument);
  EXPECT_NE(msg.find("num_args is 3 but 2 inputs were given"), std::string::npos) << msg;
}

TEST(Symbol, AutoCreatedVariablesCarryTheOpAttributesAndInitializers) {
  const Symbol net = api_network();
  const Symbol internals = net.internals();
  EXPECT_EQ(internals.output("conv1_weight").list_attr(),
            (Dict{{"kernel", "(3, 3)"}, {"num_filter", "128"}, {"pad", "(1, 1)"}}));
  EXPECT_EQ(internals.output("bn1_moving_mean").attr("__init__"), R"(["zero", {}])");
  EXPECT_EQ(internals.output("bn1_moving_var").attr("__init__"), R"(["one", {}])");
  EXPECT_FALSE(internals.output("bn1_gamma").attr("__init__").has_value());
}

TEST(Symbol, ConditionalInputsFollowTheirParameter) {
  Symbol x = Symbol::variable("x"), b = Symbol::variable("b");
  Symbol fc = op("FullyConnected", "fc", {&x}, {{"num_hidden", "4"}, {"no_bias", "True"}});
  EXPECT_EQ(fc.list_arguments(), (Strings{"x", "fc_weight"}));
  std::string msg;
  EXPECT_EQ(error_of([&] { (void)op("FullyConnected", "fc", {&x, nullptr, &b}, {{"num_hidden", "4"}, {"no_bias", "True"}}); },
                     &msg),
            ErrorCode::kInvalidArgument);
  EXPECT_NE(msg.find("input 'bias' is given but is used only when no_bias is False"), std::string::npos) << msg;
}

TEST(Symbol, AttributesAndParametersAreSetLikeMXNet) {
  Symbol net = api_network();
  net.set_attr("__lr_mult__", "2.0");
  EXPECT_EQ(net.attr("__lr_mult__"), "2.0");
  // A parameter set as an attribute is parsed: a bad value is rejected and leaves the node as it was.
  std::string msg;
  EXPECT_EQ(error_of([&] { net.set_attr("grad_scale", "lots"); }, &msg), ErrorCode::kInvalidArgument);
  EXPECT_NE(msg.find("grad_scale"), std::string::npos) << msg;
  EXPECT_FALSE(net.attr("grad_scale").has_value());
  net.set_attr("grad_scale", "0.5");
  EXPECT_EQ(net.outputs[0].node->dict.at("grad_scale"), "0.5");
  EXPECT_EQ(error_of([&] { net.set_attr("no_such_param", "1"); }), ErrorCode::kNotFound);
  const Dict all = net.list_attr(true);
  EXPECT_EQ(all.at("conv1$kernel"), "(3, 3)");
  EXPECT_EQ(all.at("softmax$__lr_mult__"), "2.0");
}

TEST(Symbol, CopyIsDeep) {
  const Symbol net = api_network();
  Symbol copy = net.copy();
  copy.set_attr("__tag__", "copy");
  EXPECT_FALSE(net.attr("__tag__").has_value());
  EXPECT_EQ(to_json(copy.internals().output("fc1_output")), to_json(net.internals().output("fc1_output")));
}

// --- JSON -----------------------------------------------------------------------------------------------------

TEST(SymbolJson, WritesMXNetLayoutByteForByte) {
  Symbol x = Symbol::variable("x");
  Symbol fc = op("FullyConnected", "fc1", {&x}, {{"num_hidden", "4"}});
  Symbol act = op("Activation", "relu1", {&fc}, {{"act_type", "relu"}});
  const std::string expected =
      "{\n"
      "  \"nodes\": [\n"
      "    {\n"
      "      \"op\": \"null\", \n"
      "      \"name\": \"x\", \n"
      "      \"inputs\": []\n"
      "    }, \n"
      "    {\n"
      "      \"op\": \"null\", \n"
      "      \"name\": \"fc1_weight\", \n"
      "      \"attrs\": {\"num_hidden\": \"4\"}, \n"
      "      \"inputs\": []\n"
      "    }, \n"
      "    {\n"
      "      \"op\": \"null\", \n"
      "      \"name\": \"fc1_bias\", \n"
      "      \"attrs\": {\"num_hidden\": \"4\"}, \n"
      "      \"inputs\": []\n"
      "    }, \n"
      "    {\n"
      "      \"op\": \"FullyConnected\", \n"
      "      \"name\": \"fc1\", \n"
      "      \"attrs\": {\"num_hidden\": \"4\"}, \n"
      "      \"inputs\": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]\n"
      "    }, \n"
      "    {\n"
      "      \"op\": \"Activation\", \n"
      "      \"name\": \"relu1\", \n"
      "      \"attrs\": {\"act_type\": \"relu\"}, \n"
      "      \"inputs\": [[3, 0, 0]]\n"
      "    }\n"
      "  ], \n"
      "  \"arg_nodes\": [0, 1, 2], \n"
      "  \"node_row_ptr\": [0, 1, 2, 3, 4, 5], \n"
      "  \"heads\": [[4, 0, 0]], \n"
      "  \"attrs\": {\n"
      "    \"mxnet_version\": [\"int\", 10901], \n"
      "    \"sharpnet_version\": [\"str\", \"" SHARPNET_TEST_VERSION "\"]\n"
      "  }\n"
      "}";
  EXPECT_EQ(to_json(act), expected);
}

TEST(SymbolJson, TheMXNetFixtureLoadsInfersAndRoundTrips) {
  const std::string text = read_file(SHARPNET_FIXTURES_DIR "/dnnl_model1-symbol.json");
  ASSERT_FALSE(text.empty());
  const Symbol net = from_json(text);
  EXPECT_EQ(net.list_outputs(), (Strings{"softmax_output"}));
  EXPECT_EQ(net.list_arguments().front(), "data");
  EXPECT_EQ(net.list_arguments().back(), "softmax_label");
  const ShapeInference r = infer_shape(net, {{"data", Shape{1, 3, 224, 224}}});
  ASSERT_TRUE(r.complete);
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].ndim(), 2);
  EXPECT_EQ(r.outputs[0][0], 1);
  EXPECT_EQ(internals_shape_of(net, "pool1_output", {1, 3, 224, 224}), (Shape{1, 64, 112, 112}));
  // Re-saving reproduces the file, but for the writer's version stamps.
  const std::string saved = to_json(net);
  EXPECT_EQ(without_graph_attrs(saved), without_graph_attrs(text));
  EXPECT_NE(text.find("\"mxnet_version\": [\"int\", 10200]"), std::string::npos);
  EXPECT_EQ(to_json(from_json(saved)), saved);
}

TEST(SymbolJson, LegacyFilesLoadWithMXNetsUpgrades) {
  // MXNet 0.8 style: "param"/"attr" keys, two-element entries, no node_row_ptr, no version (so 0.8.0): BatchNorm's
  // auxiliary states were not saved and are added; plain lr_mult keys become hidden attributes, on the input
  // variable they name; argmax's old axis -1 meant "all axes".
  const std::string legacy = R"({
    "nodes": [
      {"op": "null", "param": {}, "name": "data", "inputs": [], "backward_source_id": -1},
      {"op": "null", "attr": {"lr_mult": "0.5"}, "name": "bn_gamma", "inputs": [], "backward_source_id": -1},
      {"op": "null", "param": {}, "name": "bn_beta", "inputs": [], "backward_source_id": -1},
      {"op": "BatchNorm", "param": {"eps": "0.001", "fix_gamma": "False"}, "attr": {"beta_wd_mult": "0"},
       "name": "bn", "inputs": [[0, 0], [1, 0], [2, 0]], "backward_source_id": -1},
      {"op": "argmax", "param": {"axis": "-1"}, "name": "am", "inputs": [[3, 0]], "backward_source_id": -1}
    ],
    "arg_nodes": [0, 1, 2],
    "heads": [[4, 0]]
  })";
  const Symbol s = from_json(legacy);
  EXPECT_EQ(s.list_arguments(), (Strings{"data", "bn_gamma", "bn_beta"}));
  EXPECT_EQ(s.list_auxiliary_states(), (Strings{"bn_moving_mean", "bn_moving_var"}));
  const Symbol internals = s.internals();
  EXPECT_EQ(internals.output("bn_gamma").attr("__lr_mult__"), "0.5");
  EXPECT_EQ(internals.output("bn_beta").attr("__wd_mult__"), "0");
  EXPECT_EQ(internals.output("bn_moving_mean").attr("__init__"), R"(["zero", {}])");
  EXPECT_EQ(internals.output("bn_moving_mean").attr("eps"), "0.001");  // auto-created: the op's attributes
  EXPECT_FALSE(internals.output("bn_output").attr("beta_wd_mult").has_value());
  EXPECT_FALSE(s.attr("axis").has_value());
  const ShapeInference r = infer_shape(s, {{"data", Shape{2, 3}}});
  EXPECT_EQ(r.outputs, (std::vector<Shape>{{1}}));  // argmax over all axes
  // The re-saved file is MXNet 1.9's form of the same graph.
  const std::string saved = to_json(s);
  EXPECT_NE(saved.find("\"__lr_mult__\": \"0.5\""), std::string::npos) << saved;
  EXPECT_EQ(to_json(from_json(saved)), saved);
}

TEST(SymbolJson, MalformedFilesFailWithFormatErrorsThatSayWhere) {
  struct Bad {
    std::string json, message;
    ErrorCode code = ErrorCode::kFormat;
  };
  const std::vector<Bad> bad = {
      {"", "unexpected end of text at line 1, column 1"},
      {"{\"nodes\": [}", "expected a JSON value at line 1, column 12"},
      {"[1, 2]", "expects an object with nodes and heads"},
      {R"({"heads": []})", "expects a 'nodes' array"},
      {R"({"nodes": [{"op": "null", "name": "x", "inputs": []}], "heads": [[1, 0, 0]]})", "node 1 does not exist"},
      {R"({"nodes": [{"op": "null", "name": "x", "inputs": []}], "heads": [[0, 1, 0]]})", "output 1 of node 0 ('x')"},
      {R"({"nodes": [{"op": "relu", "name": "r", "inputs": [[0, 0]]}], "heads": [[0, 0]]})",
       "input node 0 does not come before it"},
      {R"({"nodes": [{"op": "null", "name": "x", "inputs": []}, {"op": "relu", "name": "r", "inputs": []}],
           "heads": [[1, 0]], "attrs": {"mxnet_version": ["int", 10901]}})",
       "relu expects 1 inputs under its parameters, got 0"},
      {R"({"nodes": [{"op": "null", "name": "x", "inputs": []}, {"op": "Convolutoin", "name": "c", "inputs": [[0, 0]]}],
           "heads": [[1, 0]]})",
       "did you mean 'Convolution'", ErrorCode::kNotFound},
      {R"({"nodes": [{"op": "null", "name": "x", "inputs": []},
                     {"op": "Activation", "name": "a", "attrs": {"act_type": "swish"}, "inputs": [[0, 0]]}],
           "heads": [[1, 0]]})",
       "node 1 ('a'): Activation: parameter 'act_type'", ErrorCode::kInvalidArgument},
      {R"({"nodes": [{"op": "null", "name": "x", "attrs": {"k": 3}, "inputs": []}], "heads": [[0, 0]]})",
       "attribute 'k' expects a string"},
      {R"({"nodes": [{"op": "null", "name": "x", "inputs": [], "subgraphs": []}], "heads": [[0, 0]]})",
       "subgraphs", ErrorCode::kUnsupported},
      {R"({"nodes": [{"op": "null", "name": "x\q", "inputs": []}], "heads": [[0, 0]]})", "unknown string escape \\q"},
  };
  for (const Bad& b : bad) {
    std::string msg;
    EXPECT_EQ(error_of([&] { (void)from_json(b.json); }, &msg), b.code) << b.json << "\n" << msg;
    EXPECT_NE(msg.find(b.message), std::string::npos) << "expected '" << b.message << "' in: " << msg;
  }
}

TEST(SymbolJson, StringsWithSpecialCharactersRoundTrip) {
  Symbol x = Symbol::variable("x \"quoted\"\tand\\slashed");
  x.set_attr("__note__", "line 1\nline 2 \u00e9");
  const std::string json = to_json(x);
  const Symbol back = from_json(json);
  EXPECT_EQ(back.name(), x.name());
  EXPECT_EQ(back.attr("__note__"), x.attr("__note__"));
  EXPECT_EQ(to_json(back), json);
  // Escapes MXNet's writer never produces but other JSON tools do.
  EXPECT_EQ(from_json(R"({"nodes": [{"op": "null", "name": "\u00e9\/\ud83d\ude00", "inputs": []}], "heads": [[0, 0]]})")
                .name(),
            "\u00e9/\U0001F600");
}

// Every op with a conformance entry, each applied to variables with that entry's parameters, in one graph: the
// graph's shape and dtype inference agrees with each op's own, and its JSON round-trips exactly.
TEST(SymbolJson, AGraphOfEveryRegisteredOpRoundTripsAndInfersAsImperative) {
  std::vector<Symbol> parts;
  std::map<std::string, Shape> shapes;
  std::map<std::string, int> types;
  std::vector<std::pair<std::vector<Shape>, std::vector<int>>> expected;  // per part: visible output shapes, dtypes
  std::set<std::string> used;
  for (const conformance::Case& c : conformance::cases()) {
    const OpDef& def = OpRegistry::get().at(c.op);
    if (!used.insert(def.name).second) continue;
    Dict params(c.params.begin(), c.params.end());
    const OpAttrs attrs = def.parse(std::vector<ParamKV>(c.params.begin(), c.params.end()));
    const std::string node = "n" + std::to_string(parts.size());
    std::vector<Symbol> vars;
    std::vector<Shape> in_shapes;
    std::vector<int> in_types;
    const DType t = c.dtypes.front();
    for (size_t i = 0; i < c.shapes.size(); ++i) {
      vars.push_back(Symbol::variable(node + "_in" + std::to_string(i)));
      shapes[vars.back().name()] = c.shapes[i];
      in_shapes.push_back(c.shapes[i]);
      in_types.push_back(static_cast<int>(c.in_dtype(i, t)));
      types[vars.back().name()] = in_types.back();
    }
    std::vector<const Symbol*> inputs;
    for (const Symbol& v : vars) inputs.push_back(&v);
    parts.push_back(Symbol::create(def, params, inputs, node));
    std::vector<Shape> out_shapes(static_cast<size_t>(def.num_outputs(attrs)), Shape::unknown());
    std::vector<int> out_types(out_shapes.size(), -1);
    infer_outputs(attrs, in_shapes, out_shapes, in_types, out_types);
    out_shapes.resize(static_cast<size_t>(def.num_visible(attrs)));
    out_types.resize(out_shapes.size());
    expected.emplace_back(out_shapes, out_types);
  }
  std::vector<const Symbol*> all;
  for (const Symbol& p : parts) all.push_back(&p);
  const Symbol graph = Symbol::group(all);

  std::set<std::string> missing;
  for (const OpDef* d : OpRegistry::get().all())
    if (!used.contains(d->name) && !conformance::covered_elsewhere().contains(d->name) && !d->name.starts_with("_test"))
      missing.insert(d->name);
  EXPECT_TRUE(missing.empty()) << "ops without a symbol: " << *missing.begin();

  const ShapeInference r = infer_shape(graph, shapes);
  const TypeInference ty = infer_type(graph, types);
  size_t k = 0;
  for (size_t p = 0; p < parts.size(); ++p)
    for (size_t o = 0; o < expected[p].first.size(); ++o, ++k) {
      ASSERT_LT(k, r.outputs.size());
      EXPECT_EQ(r.outputs[k], expected[p].first[o]) << parts[p].list_outputs()[o];
      EXPECT_EQ(ty.outputs[k], expected[p].second[o]) << parts[p].list_outputs()[o];
    }
  EXPECT_EQ(k, r.outputs.size());

  const std::string json = to_json(graph);
  const Symbol back = from_json(json);
  EXPECT_EQ(to_json(back), json);
  EXPECT_EQ(back.list_outputs(), graph.list_outputs());
  EXPECT_EQ(infer_shape(back, shapes).outputs, r.outputs);
}

}  // namespace
}  // namespace sn
