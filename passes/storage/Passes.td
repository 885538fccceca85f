//===- Passes.td - how weights are stored ------------------*- tablegen -*-===//
#ifndef TMC_PASSES_STORAGE_PASSES_TD
#define TMC_PASSES_STORAGE_PASSES_TD

include "mlir/Pass/PassBase.td"

def StoreWeights : Pass<"tmc-store-weights", "mlir::ModuleOp"> {
  let summary = "Chooses the storage of each matrix weight: a narrower float type or blocks";
  let description = [{
    Gives the weights that linears and embeddings read (`tmc.linear`'s
    weight, `tmc.embedding`'s table) the storage `dtype` names, or the one a
    `tmc.storage` attribute on their `tmc.param` names (the compile driver
    sets it for `--weight-dtype as-checkpoint`):

    - `bfloat16`, `float16`: the param's element type becomes that type and
      each read is followed by a `tmc.cast` back to the graph's type, so
      products read 2-byte weights and compute in the graph's type;
    - `q8_0`, `q4_0`, `q4_1`: the param becomes `[rows, columns / 32,
      words] x i16`, llama.cpp's blocks, and each read is followed by a
      `tmc.dequantize`, which targets fuse into the product or gather.

    With `activations=int8`, a weight in blocks whose rows (on this rank)
    are a multiple of 16 is stored 16 rows at a time (`q4_1x16`), and each
    linear reading it is marked `tmc.activations = "int8"`: the CPU target
    multiplies it with int8 dot products over inputs quantized to 8 bits per
    block of 32 (docs/CPU_PERFORMANCE.md), as llama.cpp does. With
    `activations=bfloat16`, each linear reading a weight stored in bfloat16
    whose rows and columns are multiples of 32 is marked `tmc.activations =
    "bfloat16"`: the CPU target rounds the linear's inputs to bf16 and
    multiplies them on AMX tiles.

    A weight read by any other op, or whose columns (on this rank) are not a
    multiple of 32 for a block format, keeps its storage; so do weights
    already narrower than the storage asked for. `float32` changes nothing.
    The storage chosen is written on the param as `tmc.storage`.
  }];
  let options = [
    Option<"dtype", "dtype", "std::string", /*default=*/"\"float32\"",
           "Storage of matrix weights: float32, bfloat16, float16, q8_0, q4_0, q4_1">,
    Option<"activations", "activations", "std::string", /*default=*/"\"float32\"",
           "Inputs of products over stored weights: float32, int8 (blocks; quantized per block of 32), or bfloat16 (bf16 weights; rounded to bf16)">,
  ];
  let dependentDialects = ["::tmc::TmcDialect"];
}

#endif // TMC_PASSES_STORAGE_PASSES_TD
