// Weights but no public function: nothing to export.
tmc.param @w : tensor<4xf32>
