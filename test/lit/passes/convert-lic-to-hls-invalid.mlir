// RUN: licc-opt %s --split-input-file --verify-diagnostics -p convert-lic-to-hls | filecheck %s

// The hardware computes in integers.
func.func @float(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %y = lic.relu %x : tensor<1x2x4x4xf32>
  func.return %y : tensor<1x2x4x4xf32>
}
// CHECK: convert-lic-to-hls: @float computes on tensor<1x2x4x4xf32>; the hardware is integer: run lic-quantize first

// -----

// An op without a stage is named, with the supported set.
func.func @mul(%x: tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi16> {
  %r = lic.relu %x : tensor<1x2x4x4xi8>
  %y = lic.mul %x, %r : (tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xi16>
  func.return %y : tensor<1x2x4x4xi16>
}
// CHECK: convert-lic-to-hls: lic.mul %y in @mul has no hardware stage; supported: lic.conv2d, lic.conv_transpose2d, GDN (square or abs, 1×1 conv, rescale, lic.table, product with x), lic.add, lic.pixel_shuffle, lic.pixel_unshuffle, lic.pad, lic.crop, lic.rescale, lic.relu, lic.leaky_relu, lic.abs, lic.table
