// RUN: licc-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @literal_type(%arg0: !torch.vtensor<[1],f32>) -> !torch.vtensor<[2],f32> {
  %0 = torch.vtensor.literal(dense<1.0> : tensor<3xf32>) : !torch.vtensor<[2],f32>
  return %0 : !torch.vtensor<[2],f32>
}
// CHECK: literal of type tensor<3xf32> does not match its result type !torch.vtensor<[2],f32>

// -----

func.func @list_element() -> !torch.list<int> {
  %false = torch.constant.bool false
  %0 = torch.prim.ListConstruct %false : (!torch.bool) -> !torch.list<int>
  return %0 : !torch.list<int>
}
// CHECK: element of type !torch.bool in !torch.list<int>

// -----

func.func @relu_shape(%arg0: !torch.vtensor<[1,2],f32>) -> !torch.vtensor<[2,1],f32> {
  %0 = torch.aten.relu %arg0 : !torch.vtensor<[1,2],f32> -> !torch.vtensor<[2,1],f32>
  return %0 : !torch.vtensor<[2,1],f32>
}
// CHECK: elementwise op changes the shape: !torch.vtensor<[1,2],f32> -> !torch.vtensor<[2,1],f32>

// -----

func.func @conv_operands(%arg0: !torch.vtensor<[1,1,2,2],f32>) -> !torch.vtensor<[1,1,2,2],f32> {
  %0 = torch.aten.convolution %arg0, %arg0 : !torch.vtensor<[1,1,2,2],f32>, !torch.vtensor<[1,1,2,2],f32> -> !torch.vtensor<[1,1,2,2],f32>
  return %0 : !torch.vtensor<[1,1,2,2],f32>
}
// CHECK: Expected 9 operands, but got 2

// -----

func.func @vtensor_dtype(%arg0: !torch.vtensor<[1,-2],f32>) {
  return
}
// CHECK: !torch.vtensor sizes must be static
