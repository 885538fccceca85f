// RUN: tmc-opt %s -split-input-file -tmc-select-attention | FileCheck %s --check-prefix=DEFAULT
// RUN: tmc-opt %s -split-input-file -tmc-select-attention="implementation=sdpa" | FileCheck %s --check-prefix=SDPA
// RUN: tmc-opt %s -split-input-file -tmc-select-attention="implementation=sdpa,sliding_attention=eager" | FileCheck %s --check-prefix=MIXED
// RUN: tmc-opt %s -split-input-file -tmc-select-attention="implementation=chunked_attention=sdpa" | FileCheck %s --check-prefix=CHUNKED
// RUN: not tmc-opt %s -split-input-file -tmc-select-attention="implementation=flash" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not tmc-opt %s -split-input-file -tmc-select-attention="implementation=sdpa,local_attention=eager" 2>&1 | FileCheck %s --check-prefix=BADKIND
// RUN: not tmc-opt %s -split-input-file -tmc-select-attention="implementation=sliding_attention=" 2>&1 | FileCheck %s --check-prefix=BADKIND

// One layer of each kind of transformers' layer_types: full, sliding (Gemma 2
// alternates these two) and chunked (Llama 4).
// DEFAULT-LABEL: func.func @layers(
// DEFAULT:         tmc.attention {{.*}} causal backend = "eager" at "model.layers.0.self_attn"
// DEFAULT:         tmc.attention {{.*}} causal sliding_window = 4 backend = "eager" at "model.layers.1.self_attn"
// DEFAULT:         tmc.attention {{.*}} causal chunk_size = 4 backend = "eager" at "model.layers.2.self_attn"
// SDPA-LABEL:    func.func @layers(
// SDPA:            tmc.attention {{.*}} backend = "sdpa" at "model.layers.0.self_attn"
// SDPA:            tmc.attention {{.*}} backend = "sdpa" at "model.layers.1.self_attn"
// SDPA:            tmc.attention {{.*}} backend = "sdpa" at "model.layers.2.self_attn"
// MIXED-LABEL:   func.func @layers(
// MIXED:           tmc.attention {{.*}} backend = "sdpa" at "model.layers.0.self_attn"
// MIXED:           tmc.attention {{.*}} sliding_window = 4 backend = "eager" at "model.layers.1.self_attn"
// MIXED:           tmc.attention {{.*}} chunk_size = 4 backend = "sdpa" at "model.layers.2.self_attn"
// CHUNKED-LABEL: func.func @layers(
// CHUNKED:         tmc.attention {{.*}} backend = "eager" at "model.layers.0.self_attn"
// CHUNKED:         tmc.attention {{.*}} backend = "eager" at "model.layers.1.self_attn"
// CHUNKED:         tmc.attention {{.*}} backend = "sdpa" at "model.layers.2.self_attn"
// UNKNOWN:       error: unknown attention implementation 'flash'; registered: eager, sdpa
// BADKIND:       error: attention implementation '{{.*}}': '{{.*}}' is not NAME or KIND=NAME with KIND one of full_attention, sliding_attention, chunked_attention
func.func @layers(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>) -> (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) {
  %full = tmc.attention %q, %k, %k scale = 0.25 causal at "model.layers.0.self_attn"
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32>
  %sliding = tmc.attention %q, %k, %k scale = 0.25 causal sliding_window = 4 at "model.layers.1.self_attn"
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32>
  %chunked = tmc.attention %q, %k, %k scale = 0.25 causal chunk_size = 4 at "model.layers.2.self_attn"
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %full, %sliding, %chunked : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>
}

// -----

// The config's _attn_implementation, carried as a module attribute, applies
// when the pass has no option; an explicit option wins.
// DEFAULT-LABEL: func.func @from_config(
// DEFAULT:         backend = "sdpa"
// SDPA-LABEL:    func.func @from_config(
// SDPA:            backend = "sdpa"
module attributes {tmc.attn_implementation = "sdpa"} {
  func.func @from_config(%q: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
    %o = tmc.attention %q, %q, %q scale = 0.25 causal
        : (tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
    return %o : tensor<1x4x8x16xf32>
  }
}
