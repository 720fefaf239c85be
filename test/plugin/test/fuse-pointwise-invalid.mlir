// RUN: licc-opt %s --verify-diagnostics -p example-fuse-pointwise | filecheck %s
// RUN: not licc-opt %s -p example-fuse-pointwise 2>&1 | FileCheck %s --check-prefix=EXIT

// Integer IR: each conv's rescale fixes its scale, so the pass refuses it
// and says where in the pipeline it belongs.

// CHECK: example-fuse-pointwise: the IR is already integer (its rescales fix each conv's scale); fuse the float IR, before lic-quantize
// EXIT: licc-opt: error: example-fuse-pointwise: the IR is already integer

func.func @f(%x: tensor<1x2x4x4xui8>) -> tensor<1x2x4x5xi20> {
  %w = lic.constant dense<[[[[1, -2]], [[3, 4]]], [[[-5, 6]], [[7, -8]]]]> : tensor<2x2x1x2xi8>
  %b = lic.constant dense<[100, -100]> : tensor<2xi20>
  %a = lic.conv2d %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 1>} : (tensor<1x2x4x4xui8>, tensor<2x2x1x2xi8>, tensor<2xi20>) -> tensor<1x2x4x5xi20>
  func.return %a : tensor<1x2x4x5xi20>
}
