// RUN: licc-opt %s -p 'lic-rewrite-gdn{mode=exact measure=false}' | filecheck %s --check-prefixes=CHECK,EXACT
// RUN: licc-opt %s -p 'lic-rewrite-gdn{mode=table table-bits=8 measure=false}' | filecheck %s --check-prefixes=CHECK,TABLE
// RUN: licc-opt %s -p 'lic-rewrite-gdn{mode=pwl segments=16 measure=false}' | filecheck %s --check-prefixes=CHECK,PWL
// RUN: licc-opt %s -p 'lic-rewrite-gdn{mode=newton table-bits=4 newton-steps=2 measure=false}' | filecheck %s --check-prefixes=CHECK,NEWTON
// RUN: licc-opt %s -p 'lic-rewrite-gdn{measure=false}' | filecheck %s --check-prefixes=CHECK,DEFAULT
// RUN: licc-opt %s -p 'lic-rewrite-gdn{mode=table measure=false},lic-rewrite-gdn{mode=pwl measure=false}' | filecheck %s --check-prefix=TWICE

// GDN: x / sqrt(β + Σ γ x²) becomes square, 1×1 conv (γ as [C,C,1,1], β as
// bias), reciprocal square root in the chosen mode, and multiply. IGDN takes
// the square root instead. The old γ constant goes; the report records each
// GDN's mode, parameters and error bound.

// EXACT: builtin.module attributes {lic.gdn_rewrite = {mode = "exact", gdns = [{gdn = "@gdn GDN 1", form = "standard", inverse = false, lowered_form = "standard", op = "lic.rsqrt", mode = "exact", approx = "rsqrt exact", error_bound = {{.*}} : f64}, {gdn = "@igdn IGDN 1", form = "standard", inverse = true, lowered_form = "standard", op = "lic.sqrt", mode = "exact", approx = "sqrt exact", error_bound = {{.*}} : f64}]}}
// TABLE: builtin.module attributes {lic.gdn_rewrite = {mode = "table", table_bits = 8 : i64, gdns = [{gdn = "@gdn GDN 1", {{.*}}, approx = "rsqrt table(table_bits=8)", error_bound = 0.0019{{[0-9]+}} : f64}
// PWL: builtin.module attributes {lic.gdn_rewrite = {mode = "pwl", segments = 16 : i64, gdns = [{gdn = "@gdn GDN 1", {{.*}}, approx = "rsqrt pwl(segments=16)", error_bound = 0.00067{{[0-9]+}} : f64}
// NEWTON: builtin.module attributes {lic.gdn_rewrite = {mode = "newton", table_bits = 4 : i64, newton_steps = 2 : i64, gdns = [
// DEFAULT: builtin.module attributes {lic.gdn_rewrite = {mode = "pwl", segments = 32 : i64, gdns = [

// CHECK-LABEL: func.func @gdn
func.func @gdn(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK-NEXT: %beta = lic.constant dense<[1.000000e+00, 5.000000e-01, 2.000000e+00]> : tensor<3xf32>
  // CHECK-NEXT: %g_sq = lic.mul %x, %x : tensor<1x3x4x4xf32>
  // CHECK-NEXT: %g_gamma = lic.constant dense<{{\[\[\[\[}}1.000000e-01]], {{\[\[}}0.000000e+00]], {{\[\[}}2.000000e-01]]], {{.*}}]> : tensor<3x3x1x1xf32>
  // CHECK-NEXT: %g_norm = lic.conv2d %g_sq, %g_gamma, %beta {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x4x4xf32>, tensor<3x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  // EXACT-NEXT: %g_rsqrt = lic.rsqrt %g_norm : tensor<1x3x4x4xf32>
  // TABLE-NEXT: %g_rsqrt = lic.rsqrt %g_norm table(table_bits = 8) : tensor<1x3x4x4xf32>
  // PWL-NEXT: %g_rsqrt = lic.rsqrt %g_norm pwl(segments = 16) : tensor<1x3x4x4xf32>
  // NEWTON-NEXT: %g_rsqrt = lic.rsqrt %g_norm newton(table_bits = 4, newton_steps = 2) : tensor<1x3x4x4xf32>
  // DEFAULT-NEXT: %g_rsqrt = lic.rsqrt %g_norm pwl(segments = 32) : tensor<1x3x4x4xf32>
  // CHECK-NEXT: %g = lic.mul %x, %g_rsqrt : tensor<1x3x4x4xf32>
  // CHECK-NEXT: func.return %g : tensor<1x3x4x4xf32>
  %beta = lic.constant dense<[1.0, 0.5, 2.0]> : tensor<3xf32>
  %gamma = lic.constant dense<[[0.1, 0.0, 0.2], [0.05, 0.3, 0.0], [0.0, 0.1, 0.1]]> : tensor<3x3xf32>
  %g = lic.gdn %x, %beta, %gamma : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x4x4xf32>
  func.return %g : tensor<1x3x4x4xf32>
}

// CHECK-LABEL: func.func @igdn
func.func @igdn(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK-NEXT: %beta = lic.constant
  // CHECK-NEXT: %ig_sq = lic.mul %x, %x : tensor<1x3x4x4xf32>
  // CHECK-NEXT: %ig_gamma = lic.constant dense<{{.*}}> : tensor<3x3x1x1xf32>
  // CHECK-NEXT: %ig_norm = lic.conv2d %ig_sq, %ig_gamma, %beta {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>}
  // EXACT-NEXT: %ig_sqrt = lic.sqrt %ig_norm : tensor<1x3x4x4xf32>
  // TABLE-NEXT: %ig_sqrt = lic.sqrt %ig_norm table(table_bits = 8) : tensor<1x3x4x4xf32>
  // PWL-NEXT: %ig_sqrt = lic.sqrt %ig_norm pwl(segments = 16) : tensor<1x3x4x4xf32>
  // NEWTON-NEXT: %ig_sqrt = lic.sqrt %ig_norm newton(table_bits = 4, newton_steps = 2) : tensor<1x3x4x4xf32>
  // DEFAULT-NEXT: %ig_sqrt = lic.sqrt %ig_norm pwl(segments = 32) : tensor<1x3x4x4xf32>
  // CHECK-NEXT: %ig = lic.mul %x, %ig_sqrt : tensor<1x3x4x4xf32>
  // CHECK-NEXT: func.return %ig : tensor<1x3x4x4xf32>
  %beta = lic.constant dense<[1.0, 0.5, 2.0]> : tensor<3xf32>
  %gamma = lic.constant dense<[[0.1, 0.0, 0.2], [0.05, 0.3, 0.0], [0.0, 0.1, 0.1]]> : tensor<3x3xf32>
  %ig = lic.gdn %x, %beta, %gamma {inverse} : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x4x4xf32>
  func.return %ig : tensor<1x3x4x4xf32>
}

// A second run finds no GDN left: the IR and the first run's report stay.
// TWICE: builtin.module attributes {lic.gdn_rewrite = {mode = "table", table_bits = 10 : i64, gdns = [{gdn = "@gdn GDN 1"
// TWICE: lic.rsqrt %g_norm table(table_bits = 10)
// TWICE: lic.sqrt %ig_norm table(table_bits = 10)
