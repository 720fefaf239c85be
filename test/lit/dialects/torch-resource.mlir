// RUN: licc-opt %s | licc-opt | filecheck %s

// Weights from torch-mlir arrive as dense_resource blobs; the frontend names
// each handle after a hash of its bytes. Blob and handle survive the round trip.

// CHECK-LABEL: func.func @model
func.func @model(%arg0: !torch.vtensor<[1,1,2,2],f32>) -> !torch.vtensor<[1,2,2,2],f32> {
  // CHECK: torch.vtensor.literal(dense_resource<t_4e94e8201a47ac71> : tensor<2x1x1x1xf32>) : !torch.vtensor<[2,1,1,1],f32>
  %0 = torch.vtensor.literal(dense_resource<t_4e94e8201a47ac71> : tensor<2x1x1x1xf32>) : !torch.vtensor<[2,1,1,1],f32>
  %none = torch.constant.none
  %int1 = torch.constant.int 1
  %1 = torch.prim.ListConstruct %int1, %int1 : (!torch.int, !torch.int) -> !torch.list<int>
  %int0 = torch.constant.int 0
  %2 = torch.prim.ListConstruct %int0, %int0 : (!torch.int, !torch.int) -> !torch.list<int>
  %false = torch.constant.bool false
  // CHECK: torch.aten.convolution %{{.*}}, %{{.*}}, %{{.*}}, {{.*}} : !torch.vtensor<[1,1,2,2],f32>, !torch.vtensor<[2,1,1,1],f32>, !torch.none,
  %3 = torch.aten.convolution %arg0, %0, %none, %1, %2, %1, %false, %2, %int1 : !torch.vtensor<[1,1,2,2],f32>, !torch.vtensor<[2,1,1,1],f32>, !torch.none, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.bool, !torch.list<int>, !torch.int -> !torch.vtensor<[1,2,2,2],f32>
  return %3 : !torch.vtensor<[1,2,2,2],f32>
}

// CHECK: {-#
// CHECK-NEXT: dialect_resources: {
// CHECK-NEXT: builtin: {
// CHECK-NEXT: t_4e94e8201a47ac71: "0x040000000000803F00000040"
{-#
  dialect_resources: {
    builtin: {
      t_4e94e8201a47ac71: "0x040000000000803F00000040"
    }
  }
#-}
