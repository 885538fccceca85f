// RUN: tmc-opt %s | FileCheck %s
// RUN: tmc-opt %s | tmc-opt | FileCheck %s
// RUN: tmc-opt %s --mlir-print-op-generic | tmc-opt | FileCheck %s

// CHECK-LABEL: mdl.class @GlmMLP bases [@Phi3MLP] doc "The feed-forward block." {
// CHECK-NEXT:    mdl.def @forward(self, hidden_states) {
// CHECK-NEXT:      mdl.pass
// CHECK-NEXT:    }
// CHECK-NEXT:  }
mdl.class @GlmMLP bases [@Phi3MLP] doc "The feed-forward block." {
  mdl.def @forward(self, hidden_states) {
    mdl.pass
  }
}

// A class of only `pass`, with a qualified base.
// CHECK-LABEL: mdl.class @LlamaPreTrainedModel bases [@nn.Module] {
// CHECK-NEXT:    mdl.pass
mdl.class @LlamaPreTrainedModel bases [@nn.Module] {
  mdl.pass
}

// CHECK-LABEL: mdl.class @Plain {
mdl.class @Plain {
  mdl.pass
}

// A module-level function; `self` is only required of methods.
// CHECK-LABEL: mdl.def @rotate_half(x) doc "Rotates half the hidden dims." {
mdl.def @rotate_half(x) doc "Rotates half the hidden dims." {
  mdl.pass
}

// CHECK-LABEL: mdl.def @no_params() {
mdl.def @no_params() {
  mdl.pass
}
