// RUN: licc-opt %s --split-input-file --verify-diagnostics -p convert-torch-to-lic | filecheck %s

// An op without a lic counterpart (here nn.Upsample's) stops the conversion
// with its name, where it is, and what is supported.

// CHECK: torch.aten.upsample_nearest2d in @decoder: unsupported op; convert-torch-to-lic supports torch.aten.abs, torch.aten.add.Tensor, torch.aten.convolution, torch.aten.leaky_relu, torch.aten.mul.Tensor, torch.aten.relu, torch.lic.gdn, GDN/IGDN and PixelShuffle/PixelUnshuffle as torch.export decomposes them, and arithmetic on constants (replace the layer, or add a conversion and a lic op)
func.func @decoder(%arg0: !torch.vtensor<[1,2,4,4],f32>) -> !torch.vtensor<[1,2,8,8],f32> {
  %int8 = torch.constant.int 8
  %0 = torch.prim.ListConstruct %int8, %int8 : (!torch.int, !torch.int) -> !torch.list<int>
  %none = torch.constant.none
  %1 = torch.aten.upsample_nearest2d %arg0, %0, %none, %none : !torch.vtensor<[1,2,4,4],f32>, !torch.list<int>, !torch.none, !torch.none -> !torch.vtensor<[1,2,8,8],f32>
  return %1 : !torch.vtensor<[1,2,8,8],f32>
}

// -----

// CHECK: torch.aten.convolution in @grouped: grouped or dilated convolutions are not supported
func.func @grouped(%arg0: !torch.vtensor<[1,2,4,4],f32>) -> !torch.vtensor<[1,2,4,4],f32> {
  %0 = torch.vtensor.literal(dense<0.5> : tensor<2x1x1x1xf32>) : !torch.vtensor<[2,1,1,1],f32>
  %none = torch.constant.none
  %int1 = torch.constant.int 1
  %int2 = torch.constant.int 2
  %int0 = torch.constant.int 0
  %1 = torch.prim.ListConstruct %int1, %int1 : (!torch.int, !torch.int) -> !torch.list<int>
  %2 = torch.prim.ListConstruct %int0, %int0 : (!torch.int, !torch.int) -> !torch.list<int>
  %false = torch.constant.bool false
  %3 = torch.aten.convolution %arg0, %0, %none, %1, %2, %1, %false, %2, %int2 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[2,1,1,1],f32>, !torch.none, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.bool, !torch.list<int>, !torch.int -> !torch.vtensor<[1,2,4,4],f32>
  return %3 : !torch.vtensor<[1,2,4,4],f32>
}

// -----

// CHECK: torch.aten.add.Tensor in @scaled_add: only alpha = 1 is supported
func.func @scaled_add(%arg0: !torch.vtensor<[1,2,4,4],f32>) -> !torch.vtensor<[1,2,4,4],f32> {
  %int2 = torch.constant.int 2
  %0 = torch.aten.add.Tensor %arg0, %arg0, %int2 : !torch.vtensor<[1,2,4,4],f32>, !torch.vtensor<[1,2,4,4],f32>, !torch.int -> !torch.vtensor<[1,2,4,4],f32>
  return %0 : !torch.vtensor<[1,2,4,4],f32>
}
