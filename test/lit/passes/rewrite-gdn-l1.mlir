// RUN: licc-opt %s -p 'lic-rewrite-gdn{mode=table table-bits=6 measure=false}' | filecheck %s
// RUN: licc-opt %s -p 'lic-rewrite-gdn{mode=pwl segments=8 form=l1 measure=false}' | filecheck %s --check-prefix=PWL

// A model trained with the L1 ("simplified") GDN, x / (β + Σ γ|x|), is
// lowered without any root: absolute value, 1×1 conv, reciprocal (in the
// chosen mode), multiply; its IGDN, x · (β + Σ γ|x|), needs no reciprocal
// either. Asking for form=l1 on it changes nothing and needs no force.

// CHECK: lic.gdn_rewrite = {mode = "table", table_bits = 6 : i64, gdns = [{gdn = "@encoder GDN 1", form = "l1", inverse = false, lowered_form = "l1", op = "lic.reciprocal", mode = "table", table_bits = 6 : i64, approx = "reciprocal table(table_bits=6)", error_bound = {{.*}} : f64}, {gdn = "@decoder IGDN 1", form = "l1", inverse = true, lowered_form = "l1"}]}

// CHECK-LABEL: func.func @encoder
// CHECK-NEXT: %beta = lic.constant
// CHECK-NEXT: %g_abs = lic.abs %x : tensor<1x3x4x4xf32>
// CHECK-NEXT: %g_gamma = lic.constant dense<{{.*}}> : tensor<3x3x1x1xf32>
// CHECK-NEXT: %g_norm = lic.conv2d %g_abs, %g_gamma, %beta {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>}
// CHECK-NEXT: %g_reciprocal = lic.reciprocal %g_norm table(table_bits = 6) : tensor<1x3x4x4xf32>
// CHECK-NEXT: %g = lic.mul %x, %g_reciprocal : tensor<1x3x4x4xf32>
// CHECK-NEXT: func.return %g
// PWL: %g_reciprocal = lic.reciprocal %g_norm pwl(segments = 8) : tensor<1x3x4x4xf32>
func.func @encoder(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %beta = lic.constant dense<[1.0, 0.5, 2.0]> : tensor<3xf32>
  %gamma = lic.constant dense<[[0.1, 0.0, 0.2], [0.05, 0.3, 0.0], [0.0, 0.1, 0.1]]> : tensor<3x3xf32>
  %g = lic.gdn %x, %beta, %gamma {form = "l1"} : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x4x4xf32>
  func.return %g : tensor<1x3x4x4xf32>
}

// CHECK-LABEL: func.func @decoder
// CHECK-NEXT: %beta = lic.constant
// CHECK-NEXT: %ig_abs = lic.abs %y : tensor<1x3x4x4xf32>
// CHECK-NEXT: %ig_gamma = lic.constant
// CHECK-NEXT: %ig_norm = lic.conv2d %ig_abs, %ig_gamma, %beta
// CHECK-NEXT: %ig = lic.mul %y, %ig_norm : tensor<1x3x4x4xf32>
// CHECK-NEXT: func.return %ig
func.func @decoder(%y: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %beta = lic.constant dense<[1.0, 0.5, 2.0]> : tensor<3xf32>
  %gamma = lic.constant dense<[[0.1, 0.0, 0.2], [0.05, 0.3, 0.0], [0.0, 0.1, 0.1]]> : tensor<3x3xf32>
  %ig = lic.gdn %y, %beta, %gamma {inverse, form = "l1"} : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x4x4xf32>
  func.return %ig : tensor<1x3x4x4xf32>
}
