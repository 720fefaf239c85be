// RUN: licc-opt %s --split-input-file -p convert-torch-to-lic | filecheck %s

// GDN as a plain torch.export writes CompressAI's layer: β and γ computed from
// the parameters by the NonNegativeParametrizer (max(p, bound)² − pedestal,
// γ viewed as C×C×1×1), then x · rsqrt(conv1x1(x², γ, β)). The parameter
// expressions fold into constants and the five ops become one lic.gdn.

// CHECK-LABEL: func.func @encoder(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:    %beta = lic.constant dense<[7.500000e-01, 2.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %gamma = lic.constant dense<{{\[}}[2.500000e-01, 0.0400000028], [9.000000e-02, 2.500000e-01]]> : tensor<2x2xf32>
// CHECK-NEXT:    %gdn = lic.gdn %x, %beta, %gamma : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2x2xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:    func.return %gdn : tensor<1x2x4x4xf32>
// CHECK-NOT:     torch.
func.func @encoder(%arg0: !torch.vtensor<[1,2,4,4],f32>) -> !torch.vtensor<[1,2,4,4],f32> {
  %beta_p = torch.vtensor.literal(dense<[1.0, 1.5]> : tensor<2xf32>) : !torch.vtensor<[2],f32>
  %beta_bound = torch.vtensor.literal(dense<0.5> : tensor<1xf32>) : !torch.vtensor<[1],f32>
  %0 = torch.aten.maximum %beta_p, %beta_bound : !torch.vtensor<[2],f32>, !torch.vtensor<[1],f32> -> !torch.vtensor<[2],f32>
  %int2 = torch.constant.int 2
  %1 = torch.aten.pow.Tensor_Scalar %0, %int2 : !torch.vtensor<[2],f32>, !torch.int -> !torch.vtensor<[2],f32>
  %pedestal = torch.vtensor.literal(dense<0.25> : tensor<1xf32>) : !torch.vtensor<[1],f32>
  %int1 = torch.constant.int 1
  %2 = torch.aten.sub.Tensor %1, %pedestal, %int1 : !torch.vtensor<[2],f32>, !torch.vtensor<[1],f32>, !torch.int -> !torch.vtensor<[2],f32>
  %gamma_p = torch.vtensor.literal(dense<[[0.5, 0.1], [0.3, 0.5]]> : tensor<2x2xf32>) : !torch.vtensor<[2,2],f32>
  %gamma_bound = torch.vtensor.literal(dense<0.2> : tensor<1xf32>) : !torch.vtensor<[1],f32>
  %3 = torch.aten.maximum %gamma_p, %gamma_bound : !torch.vtensor<[2,2],f32>, !torch.vtensor<[1],f32> -> !torch.vtensor<[2,2],f32>
  %4 = torch.aten.pow.Tensor_Scalar %3, %int2 : !torch.vtensor<[2,2],f32>, !torch.int -> !torch.vtensor<[2,2],f32>
  %zero = torch.vtensor.literal(dense<0.0> : tensor<1xf32>) : !torch.vtensor<[1],f32>
  %5 = torch.aten.sub.Tensor %4, %zero, %int1 : !torch.vtensor<[2,2],f32>, !torch.vtensor<[1],f32>, !torch.int -> !torch.vtensor<[2,2],f32>
  %shape = torch.prim.ListConstruct %int2, %int2, %int1, %int1 : (!torch.int, !torch.int, !torch.int, !torch.int) -> !torch.list<int>
  %6 = torch.aten.view %5, %shape : !torch.vtensor<[2,2],f32>, !torch.list<int> -> !torch.vtensor<[2,2,1,1],f32>
  %7 = torch.aten.pow.Tensor_Scalar %arg0, %int2 : !torch.vtensor<[1,2,4,4],f32>, !torch.int -> !torch.vtensor<[1,2,4,4],f32>
  %ones = torch.prim.ListConstruct %int1, %int1 : (!torch.int, !torch.int) -> !torch.list<int>
  %int0 = torch.constant.int 0
  %zeros = torch.prim.ListConstruct %int0, %int0 : (!torch.int, !torch.int) -> !torch.list<int>
  %false = torch.constant.bool false
  %8 = torch.aten.convolution %7, %6, %2, %ones, %zeros, %ones, %false, %zeros, %int1 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[2,2,1,1],f32>, !torch.vtensor<[2],f32>, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.bool, !torch.list<int>, !torch.int -> !torch.vtensor<[1,2,4,4],f32>
  %9 = torch.aten.rsqrt %8 : !torch.vtensor<[1,2,4,4],f32> -> !torch.vtensor<[1,2,4,4],f32>
  %10 = torch.aten.mul.Tensor %arg0, %9 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[1,2,4,4],f32> -> !torch.vtensor<[1,2,4,4],f32>
  return %10 : !torch.vtensor<[1,2,4,4],f32>
}

// -----

// IGDN: sqrt instead of rsqrt, the product either way round.

// CHECK-LABEL: func.func @decoder
// CHECK:         %igdn = lic.gdn %x, %beta, %gamma {inverse} :
// CHECK-NEXT:    func.return %igdn
func.func @decoder(%arg0: !torch.vtensor<[1,2,4,4],f32>) -> !torch.vtensor<[1,2,4,4],f32> {
  %beta = torch.vtensor.literal(dense<1.0> : tensor<2xf32>) : !torch.vtensor<[2],f32>
  %gamma = torch.vtensor.literal(dense<0.1> : tensor<2x2x1x1xf32>) : !torch.vtensor<[2,2,1,1],f32>
  %int1 = torch.constant.int 1
  %int2 = torch.constant.int 2
  %ones = torch.prim.ListConstruct %int1, %int1 : (!torch.int, !torch.int) -> !torch.list<int>
  %int0 = torch.constant.int 0
  %zeros = torch.prim.ListConstruct %int0, %int0 : (!torch.int, !torch.int) -> !torch.list<int>
  %false = torch.constant.bool false
  %0 = torch.aten.pow.Tensor_Scalar %arg0, %int2 : !torch.vtensor<[1,2,4,4],f32>, !torch.int -> !torch.vtensor<[1,2,4,4],f32>
  %1 = torch.aten.convolution %0, %gamma, %beta, %ones, %zeros, %ones, %false, %zeros, %int1 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[2,2,1,1],f32>, !torch.vtensor<[2],f32>, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.bool, !torch.list<int>, !torch.int -> !torch.vtensor<[1,2,4,4],f32>
  %2 = torch.aten.sqrt %1 : !torch.vtensor<[1,2,4,4],f32> -> !torch.vtensor<[1,2,4,4],f32>
  %3 = torch.aten.mul.Tensor %2, %arg0 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[1,2,4,4],f32> -> !torch.vtensor<[1,2,4,4],f32>
  return %3 : !torch.vtensor<[1,2,4,4],f32>
}

// -----

// Simplified GDN (CompressAI's GDN1): |x|, and `1.0 / norm` as reciprocal
// times 1.0; and a hand-written x / sqrt(conv1x1(x·x)), also GDN.

// CHECK-LABEL: func.func @model
// CHECK:         %gdn = lic.gdn %x, %beta, %gamma {form = "l1"} :
// CHECK:         %gdn_1 = lic.gdn %gdn, %beta, %gamma_1 :
// CHECK-NEXT:    func.return %gdn_1
func.func @model(%arg0: !torch.vtensor<[1,2,4,4],f32>) -> !torch.vtensor<[1,2,4,4],f32> {
  %beta = torch.vtensor.literal(dense<1.0> : tensor<2xf32>) : !torch.vtensor<[2],f32>
  %gamma = torch.vtensor.literal(dense<0.1> : tensor<2x2x1x1xf32>) : !torch.vtensor<[2,2,1,1],f32>
  %int1 = torch.constant.int 1
  %ones = torch.prim.ListConstruct %int1, %int1 : (!torch.int, !torch.int) -> !torch.list<int>
  %int0 = torch.constant.int 0
  %zeros = torch.prim.ListConstruct %int0, %int0 : (!torch.int, !torch.int) -> !torch.list<int>
  %false = torch.constant.bool false
  %float1 = torch.constant.float 1.000000e+00
  %0 = torch.aten.abs %arg0 : !torch.vtensor<[1,2,4,4],f32> -> !torch.vtensor<[1,2,4,4],f32>
  %1 = torch.aten.convolution %0, %gamma, %beta, %ones, %zeros, %ones, %false, %zeros, %int1 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[2,2,1,1],f32>, !torch.vtensor<[2],f32>, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.bool, !torch.list<int>, !torch.int -> !torch.vtensor<[1,2,4,4],f32>
  %2 = torch.aten.reciprocal %1 : !torch.vtensor<[1,2,4,4],f32> -> !torch.vtensor<[1,2,4,4],f32>
  %3 = torch.aten.mul.Scalar %2, %float1 : !torch.vtensor<[1,2,4,4],f32>, !torch.float -> !torch.vtensor<[1,2,4,4],f32>
  %4 = torch.aten.mul.Tensor %arg0, %3 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[1,2,4,4],f32> -> !torch.vtensor<[1,2,4,4],f32>
  %5 = torch.aten.mul.Tensor %4, %4 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[1,2,4,4],f32> -> !torch.vtensor<[1,2,4,4],f32>
  %6 = torch.aten.convolution %5, %gamma, %beta, %ones, %zeros, %ones, %false, %zeros, %int1 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[2,2,1,1],f32>, !torch.vtensor<[2],f32>, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.bool, !torch.list<int>, !torch.int -> !torch.vtensor<[1,2,4,4],f32>
  %7 = torch.aten.sqrt %6 : !torch.vtensor<[1,2,4,4],f32> -> !torch.vtensor<[1,2,4,4],f32>
  %8 = torch.aten.div.Tensor %4, %7 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[1,2,4,4],f32> -> !torch.vtensor<[1,2,4,4],f32>
  return %8 : !torch.vtensor<[1,2,4,4],f32>
}
