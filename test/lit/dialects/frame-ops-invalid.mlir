// RUN: licc-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @pad_smaller(%x: tensor<1x3x5x7xui8>) -> tensor<1x3x4x8xui8> {
  %y = lic.pad %x : tensor<1x3x5x7xui8> -> tensor<1x3x4x8xui8>
  func.return %y : tensor<1x3x4x8xui8>
}
// CHECK: 'lic.pad' result must be at least its 7x5 input in width and height, got 8x4

// -----

func.func @crop_larger(%x: tensor<1x3x8x8xui8>) -> tensor<1x3x5x9xui8> {
  %y = lic.crop %x : tensor<1x3x8x8xui8> -> tensor<1x3x5x9xui8>
  func.return %y : tensor<1x3x5x9xui8>
}
// CHECK: 'lic.crop' result must be at most its 8x8 input in width and height, got 9x5

// -----

func.func @pad_channels(%x: tensor<1x3x5x7xui8>) -> tensor<1x4x8x8xui8> {
  %y = lic.pad %x : tensor<1x3x5x7xui8> -> tensor<1x4x8x8xui8>
  func.return %y : tensor<1x4x8x8xui8>
}
// CHECK: 'lic.pad' keeps the 3 channels, got 4

// -----

func.func @pad_types(%x: tensor<1x3x5x7xui8>) -> tensor<1x3x8x8xi8> {
  %y = lic.pad %x : tensor<1x3x5x7xui8> -> tensor<1x3x8x8xi8>
  func.return %y : tensor<1x3x8x8xi8>
}
// CHECK: 'lic.pad' mixes element types

// -----

func.func @pad_rank(%x: tensor<3x5x7xui8>) -> tensor<3x8x8xui8> {
  %y = lic.pad %x : tensor<3x5x7xui8> -> tensor<3x8x8xui8>
  func.return %y : tensor<3x8x8xui8>
}
// CHECK: 'lic.pad' input must be 1xCxHxW, got [3, 5, 7]

// -----

func.func @stage_pixels(%x: tensor<1x3x5x8xui8>) -> tensor<1x3x8x8xui8> {
  %y = hls.dataflow %x : (tensor<1x3x5x8xui8>) -> tensor<1x3x8x8xui8> {
  ^bb0(%s: !hls.stream<3x5x8xui8, lanes = 3, pixels = 2, depth = 2>):
    %p = hls.pad %s : !hls.stream<3x5x8xui8, lanes = 3, pixels = 2, depth = 2> -> !hls.stream<3x8x8xui8, lanes = 3, pixels = 2, depth = 2>
    hls.yield %p : !hls.stream<3x8x8xui8, lanes = 3, pixels = 2, depth = 2>
  }
  func.return %y : tensor<1x3x8x8xui8>
}
// CHECK: 'hls.pad' reads and writes one pixel per beat

// -----

func.func @stage_lanes(%x: tensor<1x4x8x8xi8>) -> tensor<1x4x5x7xi8> {
  %y = hls.dataflow %x : (tensor<1x4x8x8xi8>) -> tensor<1x4x5x7xi8> {
  ^bb0(%s: !hls.stream<4x8x8xi8, lanes = 4, depth = 2>):
    %c = hls.crop %s : !hls.stream<4x8x8xi8, lanes = 4, depth = 2> -> !hls.stream<4x5x7xi8, lanes = 2, depth = 2>
    hls.yield %c : !hls.stream<4x5x7xi8, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x4x5x7xi8>
}
// CHECK: 'hls.crop' keeps the lanes, got 4 and 2

// -----

func.func @stage_crop_larger(%x: tensor<1x4x8x8xi8>) -> tensor<1x4x9x7xi8> {
  %y = hls.dataflow %x : (tensor<1x4x8x8xi8>) -> tensor<1x4x9x7xi8> {
  ^bb0(%s: !hls.stream<4x8x8xi8, lanes = 4, depth = 2>):
    %c = hls.crop %s : !hls.stream<4x8x8xi8, lanes = 4, depth = 2> -> !hls.stream<4x9x7xi8, lanes = 4, depth = 2>
    hls.yield %c : !hls.stream<4x9x7xi8, lanes = 4, depth = 2>
  }
  func.return %y : tensor<1x4x9x7xi8>
}
// CHECK: 'hls.crop' output must be at most its 8x8 input in width and height, got 7x9
