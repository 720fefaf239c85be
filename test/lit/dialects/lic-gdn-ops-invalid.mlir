// RUN: licc-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @int(%n: tensor<1x4x2x3xi32>) -> tensor<1x4x2x3xi32> {
  %r = lic.rsqrt %n : tensor<1x4x2x3xi32>
  func.return %r : tensor<1x4x2x3xi32>
}
// CHECK: 'lic.rsqrt' needs f32 or f64 elements, got i32

// -----

func.func @missing(%n: tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32> {
  %r = "lic.sqrt"(%n) <{mode = "table"}> : (tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32>
  func.return %r : tensor<1x4x2x3xf32>
}
// CHECK: 'lic.sqrt' mode table needs table_bits

// -----

func.func @extra(%n: tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32> {
  %r = lic.reciprocal %n pwl(segments = 16, table_bits = 4) : tensor<1x4x2x3xf32>
  func.return %r : tensor<1x4x2x3xf32>
}
// CHECK: 'lic.reciprocal' mode pwl takes segments, not table_bits

// -----

func.func @segments(%n: tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32> {
  %r = lic.rsqrt %n pwl(segments = 48) : tensor<1x4x2x3xf32>
  func.return %r : tensor<1x4x2x3xf32>
}
// CHECK: 'lic.rsqrt' segments must be a power of two in [2, 4096], got 48

// -----

func.func @bits(%n: tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32> {
  %r = lic.rsqrt %n newton(table_bits = 0, newton_steps = 1) : tensor<1x4x2x3xf32>
  func.return %r : tensor<1x4x2x3xf32>
}
// CHECK: 'lic.rsqrt' table_bits must be in [1, 16], got 0

// -----

func.func @steps(%n: tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32> {
  %r = lic.rsqrt %n newton(table_bits = 4, newton_steps = 4) : tensor<1x4x2x3xf32>
  func.return %r : tensor<1x4x2x3xf32>
}
// CHECK: 'lic.rsqrt' newton_steps must be in [1, 3], got 4

// -----

func.func @mode(%n: tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32> {
  %r = "lic.rsqrt"(%n) <{mode = "cordic"}> : (tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32>
  func.return %r : tensor<1x4x2x3xf32>
}
// CHECK: 'lic.rsqrt' mode must be one of exact, table, pwl, newton, got 'cordic'

// -----

func.func @types(%n: tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32> {
  %r = "lic.sqrt"(%n) : (tensor<1x4x2x3xf32>) -> tensor<1x4x2x4xf32>
  func.return %n : tensor<1x4x2x3xf32>
}
// CHECK: attribute tensor<1x4x2x3xf32> expected from variable 'T', but got tensor<1x4x2x4xf32>

// -----

// A parse error ends the run, so it comes last.
func.func @param(%n: tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32> {
  %r = lic.rsqrt %n table(bits = 4) : tensor<1x4x2x3xf32>
  func.return %r : tensor<1x4x2x3xf32>
}
// CHECK: Expected one of 'newton_steps', 'segments', 'table_bits' as an approximation parameter

