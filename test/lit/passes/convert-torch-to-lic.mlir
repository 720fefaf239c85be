// RUN: licc-opt %s --split-input-file -p convert-torch-to-lic | filecheck %s

// The analysis transform: conv (stride 2) → GDN → ReLU. Constants and lists
// fold into properties; weight literals become lic.constant.

// CHECK-LABEL: func.func @encoder(%x: tensor<1x3x8x8xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:    %w = lic.constant dense<5.000000e-01> : tensor<2x3x3x3xf32>
// CHECK-NEXT:    %b = lic.constant dense<[1.000000e-01, 2.000000e-01]> : tensor<2xf32>
// CHECK-NEXT:    %conv = lic.conv2d %x, %w, %b {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<2x3x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:    %beta = lic.constant dense<1.000000e+00> : tensor<2xf32>
// CHECK-NEXT:    %gamma = lic.constant dense<1.000000e-01> : tensor<2x2xf32>
// CHECK-NEXT:    %gdn = lic.gdn %conv, %beta, %gamma : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2x2xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:    %relu = lic.relu %gdn : tensor<1x2x4x4xf32>
// CHECK-NEXT:    func.return %relu : tensor<1x2x4x4xf32>
// CHECK-NOT:     torch.
func.func @encoder(%arg0: !torch.vtensor<[1,3,8,8],f32>) -> !torch.vtensor<[1,2,4,4],f32> {
  %0 = torch.vtensor.literal(dense<0.5> : tensor<2x3x3x3xf32>) : !torch.vtensor<[2,3,3,3],f32>
  %1 = torch.vtensor.literal(dense<[0.1, 0.2]> : tensor<2xf32>) : !torch.vtensor<[2],f32>
  %int2 = torch.constant.int 2
  %2 = torch.prim.ListConstruct %int2, %int2 : (!torch.int, !torch.int) -> !torch.list<int>
  %int1 = torch.constant.int 1
  %3 = torch.prim.ListConstruct %int1, %int1 : (!torch.int, !torch.int) -> !torch.list<int>
  %false = torch.constant.bool false
  %int0 = torch.constant.int 0
  %4 = torch.prim.ListConstruct %int0, %int0 : (!torch.int, !torch.int) -> !torch.list<int>
  %5 = torch.aten.convolution %arg0, %0, %1, %2, %3, %3, %false, %4, %int1 : !torch.vtensor<[1,3,8,8],f32>, !torch.vtensor<[2,3,3,3],f32>, !torch.vtensor<[2],f32>, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.bool, !torch.list<int>, !torch.int -> !torch.vtensor<[1,2,4,4],f32>
  %6 = torch.vtensor.literal(dense<1.0> : tensor<2xf32>) : !torch.vtensor<[2],f32>
  %7 = torch.vtensor.literal(dense<0.1> : tensor<2x2xf32>) : !torch.vtensor<[2,2],f32>
  %8 = torch.operator "torch.lic.gdn"(%5, %6, %7, %false, %false) : (!torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[2],f32>, !torch.vtensor<[2,2],f32>, !torch.bool, !torch.bool) -> !torch.vtensor<[1,2,4,4],f32>
  %9 = torch.aten.relu %8 : !torch.vtensor<[1,2,4,4],f32> -> !torch.vtensor<[1,2,4,4],f32>
  return %9 : !torch.vtensor<[1,2,4,4],f32>
}

// -----

// The synthesis side: inverse simplified GDN, then a transposed conv without
// bias (stride 2, padding 1, output padding 1).

// CHECK-LABEL: func.func @decoder(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x8x8xf32>
// CHECK:         %igdn = lic.gdn %x, %beta, %gamma {inverse, form = "l1"}
// CHECK:         %deconv = lic.conv_transpose2d %igdn, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, output_padding = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x3x3x3xf32>) -> tensor<1x3x8x8xf32>
func.func @decoder(%arg0: !torch.vtensor<[1,2,4,4],f32>) -> !torch.vtensor<[1,3,8,8],f32> {
  %true = torch.constant.bool true
  %6 = torch.vtensor.literal(dense<1.0> : tensor<2xf32>) : !torch.vtensor<[2],f32>
  %7 = torch.vtensor.literal(dense<0.1> : tensor<2x2xf32>) : !torch.vtensor<[2,2],f32>
  %8 = torch.operator "torch.lic.gdn"(%arg0, %6, %7, %true, %true) : (!torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[2],f32>, !torch.vtensor<[2,2],f32>, !torch.bool, !torch.bool) -> !torch.vtensor<[1,2,4,4],f32>
  %0 = torch.vtensor.literal(dense<0.5> : tensor<2x3x3x3xf32>) : !torch.vtensor<[2,3,3,3],f32>
  %none = torch.constant.none
  %int2 = torch.constant.int 2
  %2 = torch.prim.ListConstruct %int2, %int2 : (!torch.int, !torch.int) -> !torch.list<int>
  %int1 = torch.constant.int 1
  %3 = torch.prim.ListConstruct %int1, %int1 : (!torch.int, !torch.int) -> !torch.list<int>
  %5 = torch.aten.convolution %8, %0, %none, %2, %3, %3, %true, %3, %int1 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[2,3,3,3],f32>, !torch.none, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.bool, !torch.list<int>, !torch.int -> !torch.vtensor<[1,3,8,8],f32>
  return %5 : !torch.vtensor<[1,3,8,8],f32>
}

// -----

// Hyper-transform pieces: abs, leaky ReLU, and elementwise add/mul.

// CHECK-LABEL: func.func @hyper
// CHECK:         %abs = lic.abs %x : tensor<1x2x4x4xf32>
// CHECK-NEXT:    %lrelu = lic.leaky_relu %abs {negative_slope = 1.000000e-02 : f64} : tensor<1x2x4x4xf32>
// CHECK-NEXT:    %add = lic.add %lrelu, %abs : tensor<1x2x4x4xf32>
// CHECK-NEXT:    %mul = lic.mul %add, %x : tensor<1x2x4x4xf32>
func.func @hyper(%arg0: !torch.vtensor<[1,2,4,4],f32>) -> !torch.vtensor<[1,2,4,4],f32> {
  %0 = torch.aten.abs %arg0 : !torch.vtensor<[1,2,4,4],f32> -> !torch.vtensor<[1,2,4,4],f32>
  %float = torch.constant.float 1.000000e-02
  %1 = torch.aten.leaky_relu %0, %float : !torch.vtensor<[1,2,4,4],f32>, !torch.float -> !torch.vtensor<[1,2,4,4],f32>
  %int1 = torch.constant.int 1
  %2 = torch.aten.add.Tensor %1, %0, %int1 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[1,2,4,4],f32>, !torch.int -> !torch.vtensor<[1,2,4,4],f32>
  %3 = torch.aten.mul.Tensor %2, %arg0 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[1,2,4,4],f32> -> !torch.vtensor<[1,2,4,4],f32>
  return %3 : !torch.vtensor<[1,2,4,4],f32>
}
