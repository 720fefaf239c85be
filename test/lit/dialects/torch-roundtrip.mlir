// RUN: licc-opt %s | licc-opt | filecheck %s

// The torch dialect reads torch-mlir's own syntax (as printed by
// torch_mlir.fx.export_and_import(..., output_type="raw")) and prints it back.

// CHECK-LABEL: func.func @encoder
// CHECK-SAME: (%{{.*}}: !torch.vtensor<[1,2,8,8],f32>) -> !torch.vtensor<[1,3,4,4],f32>
func.func @encoder(%arg0: !torch.vtensor<[1,2,8,8],f32>) -> !torch.vtensor<[1,3,4,4],f32> {
  // CHECK: %[[W:.*]] = torch.vtensor.literal(dense<5.000000e-01> : tensor<3x2x3x3xf32>) : !torch.vtensor<[3,2,3,3],f32>
  %0 = torch.vtensor.literal(dense<0.5> : tensor<3x2x3x3xf32>) : !torch.vtensor<[3,2,3,3],f32>
  // CHECK-NEXT: %[[B:.*]] = torch.vtensor.literal(dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>) : !torch.vtensor<[3],f32>
  %1 = torch.vtensor.literal(dense<[1.0, 2.0, 3.0]> : tensor<3xf32>) : !torch.vtensor<[3],f32>
  // CHECK-NEXT: %[[TWO:.*]] = torch.constant.int 2
  %int2 = torch.constant.int 2
  // CHECK-NEXT: %[[MINUS:.*]] = torch.constant.int -1
  %int-1 = torch.constant.int -1
  // CHECK-NEXT: %[[S:.*]] = torch.prim.ListConstruct %[[TWO]], %[[TWO]] : (!torch.int, !torch.int) -> !torch.list<int>
  %2 = torch.prim.ListConstruct %int2, %int2 : (!torch.int, !torch.int) -> !torch.list<int>
  %int1 = torch.constant.int 1
  %3 = torch.prim.ListConstruct %int1, %int1 : (!torch.int, !torch.int) -> !torch.list<int>
  // CHECK: %[[F:.*]] = torch.constant.bool false
  %false = torch.constant.bool false
  %int0 = torch.constant.int 0
  %4 = torch.prim.ListConstruct %int0, %int0 : (!torch.int, !torch.int) -> !torch.list<int>
  // CHECK: %[[Y:.*]] = torch.aten.convolution %{{.*}}, %[[W]], %[[B]], %[[S]], %{{.*}}, %{{.*}}, %[[F]], %{{.*}}, %{{.*}} : !torch.vtensor<[1,2,8,8],f32>, !torch.vtensor<[3,2,3,3],f32>, !torch.vtensor<[3],f32>, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.bool, !torch.list<int>, !torch.int -> !torch.vtensor<[1,3,4,4],f32>
  %5 = torch.aten.convolution %arg0, %0, %1, %2, %3, %3, %false, %4, %int1 : !torch.vtensor<[1,2,8,8],f32>, !torch.vtensor<[3,2,3,3],f32>, !torch.vtensor<[3],f32>, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.bool, !torch.list<int>, !torch.int -> !torch.vtensor<[1,3,4,4],f32>
  %beta = torch.vtensor.literal(dense<1.0> : tensor<3xf32>) : !torch.vtensor<[3],f32>
  %gamma = torch.vtensor.literal(dense<0.1> : tensor<3x3xf32>) : !torch.vtensor<[3,3],f32>
  %true = torch.constant.bool true
  // CHECK: %[[G:.*]] = torch.operator "torch.lic.gdn"(%[[Y]], %{{.*}}, %{{.*}}, %[[F]], %{{.*}}) : (!torch.vtensor<[1,3,4,4],f32>, !torch.vtensor<[3],f32>, !torch.vtensor<[3,3],f32>, !torch.bool, !torch.bool) -> !torch.vtensor<[1,3,4,4],f32>
  %6 = torch.operator "torch.lic.gdn"(%5, %beta, %gamma, %false, %true) : (!torch.vtensor<[1,3,4,4],f32>, !torch.vtensor<[3],f32>, !torch.vtensor<[3,3],f32>, !torch.bool, !torch.bool) -> !torch.vtensor<[1,3,4,4],f32>
  // CHECK-NEXT: %[[R:.*]] = torch.aten.relu %[[G]] : !torch.vtensor<[1,3,4,4],f32> -> !torch.vtensor<[1,3,4,4],f32>
  %7 = torch.aten.relu %6 : !torch.vtensor<[1,3,4,4],f32> -> !torch.vtensor<[1,3,4,4],f32>
  // CHECK-NEXT: %[[SLOPE:.*]] = torch.constant.float 1.000000e-02
  %float1.000000e-02 = torch.constant.float 1.000000e-02
  // CHECK-NEXT: %[[L:.*]] = torch.aten.leaky_relu %[[R]], %[[SLOPE]] : !torch.vtensor<[1,3,4,4],f32>, !torch.float -> !torch.vtensor<[1,3,4,4],f32>
  %8 = torch.aten.leaky_relu %7, %float1.000000e-02 : !torch.vtensor<[1,3,4,4],f32>, !torch.float -> !torch.vtensor<[1,3,4,4],f32>
  // CHECK-NEXT: %[[A:.*]] = torch.aten.abs %[[L]] : !torch.vtensor<[1,3,4,4],f32> -> !torch.vtensor<[1,3,4,4],f32>
  %9 = torch.aten.abs %8 : !torch.vtensor<[1,3,4,4],f32> -> !torch.vtensor<[1,3,4,4],f32>
  // CHECK-NEXT: %[[SUM:.*]] = torch.aten.add.Tensor %[[A]], %[[R]], %{{.*}} : !torch.vtensor<[1,3,4,4],f32>, !torch.vtensor<[1,3,4,4],f32>, !torch.int -> !torch.vtensor<[1,3,4,4],f32>
  %10 = torch.aten.add.Tensor %9, %7, %int1 : !torch.vtensor<[1,3,4,4],f32>, !torch.vtensor<[1,3,4,4],f32>, !torch.int -> !torch.vtensor<[1,3,4,4],f32>
  // CHECK-NEXT: %[[P:.*]] = torch.aten.mul.Tensor %[[SUM]], %[[SUM]] : !torch.vtensor<[1,3,4,4],f32>, !torch.vtensor<[1,3,4,4],f32> -> !torch.vtensor<[1,3,4,4],f32>
  %11 = torch.aten.mul.Tensor %10, %10 : !torch.vtensor<[1,3,4,4],f32>, !torch.vtensor<[1,3,4,4],f32> -> !torch.vtensor<[1,3,4,4],f32>
  // CHECK-NEXT: func.return %[[P]] : !torch.vtensor<[1,3,4,4],f32>
  return %11 : !torch.vtensor<[1,3,4,4],f32>
}

// An aten op the dialect does not define still parses (as a generic AtenOp),
// with any torch types; convert-torch-to-lic then reports it by name.
// CHECK-LABEL: func.func @unsupported
func.func @unsupported(%arg0: !torch.vtensor<[1,3,4,4],f32>) -> !torch.vtensor<[1,6,8,8],f32> {
  // CHECK: %[[NONE:.*]] = torch.constant.none
  %none = torch.constant.none
  %float2.000000e00 = torch.constant.float 2.000000e+00
  // CHECK: torch.prim.ListConstruct %{{.*}}, %{{.*}} : (!torch.float, !torch.float) -> !torch.list<float>
  %0 = torch.prim.ListConstruct %float2.000000e00, %float2.000000e00 : (!torch.float, !torch.float) -> !torch.list<float>
  // CHECK-NEXT: %[[UP:.*]] = torch.aten.upsample_nearest2d.vec %{{.*}}, %[[NONE]], %{{.*}} : !torch.vtensor<[1,3,4,4],f32>, !torch.none, !torch.list<float> -> !torch.vtensor<[1,3,8,8],f32>
  %1 = torch.aten.upsample_nearest2d.vec %arg0, %none, %0 : !torch.vtensor<[1,3,4,4],f32>, !torch.none, !torch.list<float> -> !torch.vtensor<[1,3,8,8],f32>
  // CHECK-NEXT: torch.prim.ListConstruct %[[UP]], %[[UP]] : (!torch.vtensor<[1,3,8,8],f32>, !torch.vtensor<[1,3,8,8],f32>) -> !torch.list<vtensor>
  %2 = torch.prim.ListConstruct %1, %1 : (!torch.vtensor<[1,3,8,8],f32>, !torch.vtensor<[1,3,8,8],f32>) -> !torch.list<vtensor>
  %int1 = torch.constant.int 1
  // CHECK: torch.aten.cat %{{.*}}, %{{.*}} : !torch.list<vtensor>, !torch.int -> !torch.vtensor<[1,6,8,8],f32>
  %3 = torch.aten.cat %2, %int1 : !torch.list<vtensor>, !torch.int -> !torch.vtensor<[1,6,8,8],f32>
  // CHECK: torch.constant.str "nearest"
  %str = torch.constant.str "nearest"
  // CHECK-NEXT: %[[CPU:.*]] = torch.constant.device "cpu"
  %cpu = torch.constant.device "cpu"
  // An op without results prints no arrow.
  // CHECK-NEXT: torch.aten._assert_tensor_metadata %{{.*}}, %[[NONE]], %[[CPU]] : !torch.vtensor<[1,6,8,8],f32>, !torch.none, !torch.Device{{$}}
  torch.aten._assert_tensor_metadata %3, %none, %cpu : !torch.vtensor<[1,6,8,8],f32>, !torch.none, !torch.Device
  %idx = torch.vtensor.literal(dense<[0, 2]> : tensor<2xsi64>) : !torch.vtensor<[2],si64>
  // CHECK: torch.prim.ListConstruct %[[NONE]], %{{.*}} : (!torch.none, !torch.vtensor<[2],si64>) -> !torch.list<optional<vtensor>>
  %4 = torch.prim.ListConstruct %none, %idx : (!torch.none, !torch.vtensor<[2],si64>) -> !torch.list<optional<vtensor>>
  // CHECK-NEXT: torch.aten.index.Tensor %{{.*}}, %{{.*}} : !torch.vtensor<[1,6,8,8],f32>, !torch.list<optional<vtensor>> -> !torch.vtensor<[1,2,8,8],f32>
  %5 = torch.aten.index.Tensor %3, %4 : !torch.vtensor<[1,6,8,8],f32>, !torch.list<optional<vtensor>> -> !torch.vtensor<[1,2,8,8],f32>
  return %3 : !torch.vtensor<[1,6,8,8],f32>
}
