// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-calibrate{count=1},lic-quantize' | filecheck %s --check-prefix=WIDTHS
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-calibrate{count=1},lic-assign-precision,lic-quantize{clip=median}' | filecheck %s --check-prefix=CLIP
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-calibrate{count=1},lic-assign-precision,lic-quantize{scales=row}' | filecheck %s --check-prefix=SCALES
// RUN: licc-opt %s --split-input-file --verify-diagnostics -p 'lic-quantize' | filecheck %s

// WIDTHS: lic-quantize: lic.conv2d in @encoder has no lic.weight_bits; run lic-assign-precision first
// CLIP: lic-quantize: clip must be one of mse, max, percentile, got 'median'
// SCALES: lic-quantize: scales must be one of tensor, channel, got 'row'

func.func @encoder(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %beta = lic.constant dense<1.0> : tensor<3xf32>
  %gamma = lic.constant dense<0.1> : tensor<3x3xf32>
  %g = lic.gdn %x, %beta, %gamma : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x4x4xf32>
  func.return %g : tensor<1x3x4x4xf32>
}
// CHECK: @encoder still has lic.gdn; run lic-rewrite-gdn first (the integer level lowers GDN's decomposed form)
