// RUN: licc-opt %s | licc-opt | filecheck %s
// RUN: licc-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// GDN's root and reciprocal ops print their mode and its parameters in a
// custom form (nothing for exact), and parse back.

// CHECK-LABEL: func.func @modes
func.func @modes(%n: tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32> {
  // CHECK-NEXT: %a = lic.rsqrt %n : tensor<1x4x2x3xf32>
  %a = lic.rsqrt %n : tensor<1x4x2x3xf32>
  // CHECK-NEXT: %b = lic.rsqrt %a : tensor<1x4x2x3xf32>
  %b = lic.rsqrt %a exact : tensor<1x4x2x3xf32>
  // CHECK-NEXT: %c = lic.sqrt %b table(table_bits = 8) : tensor<1x4x2x3xf32>
  %c = lic.sqrt %b table(table_bits = 8) : tensor<1x4x2x3xf32>
  // CHECK-NEXT: %d = lic.reciprocal %c pwl(segments = 32) : tensor<1x4x2x3xf32>
  %d = lic.reciprocal %c pwl(segments = 32) : tensor<1x4x2x3xf32>
  // CHECK-NEXT: %e = lic.rsqrt %d newton(table_bits = 6, newton_steps = 2) {note = "kept"} : tensor<1x4x2x3xf32>
  %e = lic.rsqrt %d newton(newton_steps = 2, table_bits = 6) {note = "kept"} : tensor<1x4x2x3xf32>
  // CHECK-NEXT: %f = lic.sqrt %e : tensor<1x4x2x3xf32>
  %f = "lic.sqrt"(%e) <{mode = "exact"}> : (tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32>
  func.return %f : tensor<1x4x2x3xf32>
}

// GENERIC: "lic.rsqrt"(%n) <{mode = "exact"}> : (tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32>
// GENERIC: "lic.sqrt"(%b) <{mode = "table", table_bits = 8 : i64}>
// GENERIC: "lic.reciprocal"(%c) <{mode = "pwl", segments = 32 : i64}>
// GENERIC: "lic.rsqrt"(%d) <{mode = "newton", table_bits = 6 : i64, newton_steps = 2 : i64}> {note = "kept"}

// CHECK-LABEL: func.func @f64
func.func @f64(%n: tensor<1x4x2x3xf64>) -> tensor<1x4x2x3xf64> {
  // CHECK-NEXT: lic.reciprocal %n table(table_bits = 1) : tensor<1x4x2x3xf64>
  %r = lic.reciprocal %n table(table_bits = 1) : tensor<1x4x2x3xf64>
  func.return %r : tensor<1x4x2x3xf64>
}
