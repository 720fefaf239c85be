// RUN: licc-opt %s --split-input-file --verify-diagnostics | filecheck %s

// The overflow proof: 3 taps of weight 100 on ui8 pixels reach 76500, more than i16 holds.
func.func @conv_overflow(%x: tensor<1x1x4x4xui8>) -> tensor<1x1x4x2xi16> {
  %w = lic.constant dense<100> : tensor<1x1x1x3xi8>
  %y = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x1x4x4xui8>, tensor<1x1x1x3xi8>) -> tensor<1x1x4x2xi16>
  func.return %y : tensor<1x1x4x2xi16>
}
// CHECK: 'lic.conv2d' can overflow its result type i16: output channel 0: values reach [0, 76500] for inputs of the declared types (needs i18 or wider)

// -----

// The bias counts: 127·127 + 127·128 + 400 is more than i16 holds.
func.func @bias_overflow(%x: tensor<1x2x3x3xi8>) -> tensor<1x1x3x3xi16> {
  %w = lic.constant dense<[[[[127]], [[-127]]]]> : tensor<1x2x1x1xi8>
  %b = lic.constant dense<400> : tensor<1xi16>
  %y = lic.conv2d %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x2x3x3xi8>, tensor<1x2x1x1xi8>, tensor<1xi16>) -> tensor<1x1x3x3xi16>
  func.return %y : tensor<1x1x3x3xi16>
}
// CHECK: 'lic.conv2d' can overflow its result type i16: output channel 0: values reach [-31985, 32785] for inputs of the declared types (needs i17 or wider)

// -----

// A non-constant weight is bounded by its type: 4 taps of [-128, 127] × [-128, 127].
func.func @type_bound(%x: tensor<1x1x2x2xi8>, %w: tensor<1x1x2x2xi8>) -> tensor<1x1x1x1xi16> {
  %y = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x1x2x2xi8>, tensor<1x1x2x2xi8>) -> tensor<1x1x1x1xi16>
  func.return %y : tensor<1x1x1x1xi16>
}
// CHECK: 'lic.conv2d' can overflow its result type i16: output channel 0: values reach [-65024, 65536] for inputs of the declared types (needs i18 or wider)

// -----

// A stride-2 transposed conv's output sees only its phase's taps: at most 4 of
// the 3×3 here, so the bound is 4 · 16383 · 255, not 9 · 16383 · 255.
func.func @deconv_overflow(%x: tensor<1x1x2x2xui8>) -> tensor<1x1x5x5xi24> {
  %w = lic.constant dense<16383> : tensor<1x1x3x3xi16>
  %y = lic.conv_transpose2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x1x2x2xui8>, tensor<1x1x3x3xi16>) -> tensor<1x1x5x5xi24>
  func.return %y : tensor<1x1x5x5xi24>
}
// CHECK: 'lic.conv_transpose2d' can overflow its result type i24: output channel 0: values reach [0, 16710660] for inputs of the declared types (needs i25 or wider)

// -----

func.func @mixed(%x: tensor<1x1x2x2xi8>) -> tensor<1x1x2x2xi16> {
  %w = lic.constant dense<1.0> : tensor<1x1x1x1xf32>
  %y = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x1x2x2xi8>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xi16>
  func.return %y : tensor<1x1x2x2xi16>
}
// CHECK: 'lic.conv2d' weight must have integer elements, got f32

// -----

func.func @too_wide(%x: tensor<1x1x2x2xi8>, %w: tensor<1x1x1x1xi8>) -> tensor<1x1x2x2xi64> {
  %y = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x1x2x2xi8>, tensor<1x1x1x1xi8>) -> tensor<1x1x2x2xi64>
  func.return %y : tensor<1x1x2x2xi64>
}
// CHECK: 'lic.conv2d' result is i64; integer tensors are at most 48 bits

// -----

func.func @bias_type(%x: tensor<1x1x2x2xi8>, %w: tensor<1x1x1x1xi8>, %b: tensor<1xi8>) -> tensor<1x1x2x2xi32> {
  %y = lic.conv2d %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x1x2x2xi8>, tensor<1x1x1x1xi8>, tensor<1xi8>) -> tensor<1x1x2x2xi32>
  func.return %y : tensor<1x1x2x2xi32>
}
// CHECK: 'lic.conv2d' bias must have the result's element type i32, got i8

// -----

func.func @mul_overflow(%x: tensor<1x1x2x2xi8>) -> tensor<1x1x2x2xi15> {
  %y = lic.mul %x, %x : (tensor<1x1x2x2xi8>, tensor<1x1x2x2xi8>) -> tensor<1x1x2x2xi15>
  func.return %y : tensor<1x1x2x2xi15>
}
// CHECK: 'lic.mul' can overflow its result type i15: values reach [0, 16384] for inputs of the declared types (needs i16 or wider)

// -----

func.func @add_overflow(%x: tensor<1x1x2x2xi8>) -> tensor<1x1x2x2xi8> {
  %y = lic.add %x, %x : tensor<1x1x2x2xi8>
  func.return %y : tensor<1x1x2x2xi8>
}
// CHECK: 'lic.add' can overflow its result type i8: values reach [-256, 254] for inputs of the declared types (needs i9 or wider)

// -----

func.func @float_mix(%x: tensor<1x1x2x2xf32>, %z: tensor<1x1x2x2xf64>) -> tensor<1x1x2x2xf32> {
  %y = lic.add %x, %z : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf64>) -> tensor<1x1x2x2xf32>
  func.return %y : tensor<1x1x2x2xf32>
}
// CHECK: 'lic.add' float operands and result need one type

// -----

func.func @rescale_count(%x: tensor<1x3x2x2xi32>) -> tensor<1x3x2x2xi8> {
  %y = lic.rescale %x {multiplier = array<i64: 1, 2>, shift = array<i64: 3, 3>} : tensor<1x3x2x2xi32> -> tensor<1x3x2x2xi8>
  func.return %y : tensor<1x3x2x2xi8>
}
// CHECK: 'lic.rescale' multiplier, shift and offset need 1 or 3 values each, got 2, 2 and 2

// -----

func.func @rescale_shift(%x: tensor<1x1x2x2xi8>) -> tensor<1x1x2x2xi8> {
  %y = lic.rescale %x {multiplier = array<i64: 1>, shift = array<i64: 63>} : tensor<1x1x2x2xi8> -> tensor<1x1x2x2xi8>
  func.return %y : tensor<1x1x2x2xi8>
}
// CHECK: 'lic.rescale' shift 63 (channel 0) is not in [0, 62]

// -----

func.func @rescale_multiplier(%x: tensor<1x1x2x2xi8>) -> tensor<1x1x2x2xi8> {
  %y = lic.rescale %x {multiplier = array<i64: -1>, shift = array<i64: 0>} : tensor<1x1x2x2xi8> -> tensor<1x1x2x2xi8>
  func.return %y : tensor<1x1x2x2xi8>
}
// CHECK: 'lic.rescale' multiplier -1 (channel 0) is not in [0, 2^31)

// -----

func.func @rescale_product(%x: tensor<1x1x2x2xi48>) -> tensor<1x1x2x2xi8> {
  %y = lic.rescale %x {multiplier = array<i64: 65536>, shift = array<i64: 40>} : tensor<1x1x2x2xi48> -> tensor<1x1x2x2xi8>
  func.return %y : tensor<1x1x2x2xi8>
}
// CHECK: 'lic.rescale' product of a i48 input and multiplier 65536 (channel 0) can reach 2^62; use a smaller multiplier and shift

// -----

func.func @rescale_float(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xi8> {
  %y = lic.rescale %x {multiplier = array<i64: 1>, shift = array<i64: 0>} : tensor<1x1x2x2xf32> -> tensor<1x1x2x2xi8>
  func.return %y : tensor<1x1x2x2xi8>
}
// CHECK: 'lic.rescale' input must have integer elements, got f32

// -----

func.func @table_exact(%n: tensor<1x1x2x2xi32>) -> tensor<1x1x2x2xi16> {
  %y = lic.table %n rsqrt exact frac_bits = 8 : tensor<1x1x2x2xi32> -> tensor<1x1x2x2xi16>
  func.return %y : tensor<1x1x2x2xi16>
}
// CHECK: 'lic.table' has no exact mode (it has no fixed-point definition); use table, pwl or newton

// -----

func.func @table_params(%n: tensor<1x1x2x2xi32>) -> tensor<1x1x2x2xi16> {
  %y = lic.table %n sqrt pwl(table_bits = 4) frac_bits = 8 : tensor<1x1x2x2xi32> -> tensor<1x1x2x2xi16>
  func.return %y : tensor<1x1x2x2xi16>
}
// CHECK: 'lic.table' mode pwl takes segments, not table_bits

// -----

func.func @table_function(%n: tensor<1x1x2x2xi32>) -> tensor<1x1x2x2xi16> {
  %y = "lic.table"(%n) <{function = "log", mode = "table", table_bits = 4 : i64, frac_bits = 0 : i64}> : (tensor<1x1x2x2xi32>) -> tensor<1x1x2x2xi16>
  func.return %y : tensor<1x1x2x2xi16>
}
// CHECK: 'lic.table' function must be one of rsqrt, sqrt, reciprocal, got 'log'

// -----

func.func @leaky_relu_no_slope(%x: tensor<1x1x2x2xi8>) -> tensor<1x1x2x2xi8> {
  %y = lic.leaky_relu %x {negative_slope = 0.01 : f64} : tensor<1x1x2x2xi8>
  func.return %y : tensor<1x1x2x2xi8>
}
// CHECK: 'lic.leaky_relu' on integers needs multiplier and shift (the slope as multiplier / 2^shift)

// -----

func.func @leaky_relu_float_slope(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %y = lic.leaky_relu %x {negative_slope = 0.01 : f64, multiplier = 20972 : i64, shift = 21 : i64} : tensor<1x1x2x2xf32>
  func.return %y : tensor<1x1x2x2xf32>
}
// CHECK: 'lic.leaky_relu' multiplier and shift apply to integer tensors only

// -----

func.func @leaky_relu_shift(%x: tensor<1x1x2x2xi8>) -> tensor<1x1x2x2xi8> {
  %y = lic.leaky_relu %x {negative_slope = 0.01 : f64, multiplier = 20972 : i64, shift = 63 : i64} : tensor<1x1x2x2xi8>
  func.return %y : tensor<1x1x2x2xi8>
}
// CHECK: 'lic.leaky_relu' shift 63 is not in [0, 62]

// -----

func.func @leaky_relu_product(%x: tensor<1x1x2x2xi40>) -> tensor<1x1x2x2xi40> {
  %y = lic.leaky_relu %x {negative_slope = 1.0 : f64, multiplier = 2147483647 : i64, shift = 31 : i64} : tensor<1x1x2x2xi40>
  func.return %y : tensor<1x1x2x2xi40>
}
// CHECK: 'lic.leaky_relu' product of a i40 input and multiplier 2147483647 can reach 2^62; use a smaller multiplier and shift

// -----

func.func @leaky_relu_negative_slope(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %y = lic.leaky_relu %x {negative_slope = -0.5 : f64} : tensor<1x1x2x2xf32>
  func.return %y : tensor<1x1x2x2xf32>
}
// CHECK: 'lic.leaky_relu' negative_slope must be >= 0
