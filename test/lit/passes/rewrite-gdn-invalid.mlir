// RUN: licc-opt %s --verify-diagnostics -p 'lic-rewrite-gdn{mode=cordic}' | filecheck %s --check-prefix=MODE
// RUN: licc-opt %s --verify-diagnostics -p 'lic-rewrite-gdn{mode=pwl table-bits=8}' | filecheck %s --check-prefix=PARAM
// RUN: licc-opt %s --verify-diagnostics -p 'lic-rewrite-gdn{mode=pwl segments=3}' | filecheck %s --check-prefix=SEGMENTS
// RUN: licc-opt %s --verify-diagnostics -p 'lic-rewrite-gdn{form=l2}' | filecheck %s --check-prefix=FORM
// RUN: licc-opt %s --verify-diagnostics -p 'lic-rewrite-gdn{force-l1=true}' | filecheck %s --check-prefix=FORCE
// RUN: licc-opt %s --verify-diagnostics -p 'lic-rewrite-gdn{images="/nonexistent/folder"}' | filecheck %s --check-prefix=IMAGES
// RUN: licc-opt %s --verify-diagnostics -p 'lic-rewrite-gdn{measure=false}' | filecheck %s --check-prefix=GAMMA

// MODE: lic-rewrite-gdn: mode must be one of exact, table, pwl, newton, got 'cordic'
// PARAM: lic-rewrite-gdn: mode pwl takes segments, not table_bits
// SEGMENTS: lic-rewrite-gdn: segments must be a power of two in [2, 4096], got 3
// FORM: lic-rewrite-gdn: form must be one of native, l1, got 'l2'
// FORCE: lic-rewrite-gdn: force-l1=true only applies with form=l1
// IMAGES: image folder /nonexistent/folder does not exist

// The 1×1 convolution needs γ as a weight constant.
// GAMMA: lic-rewrite-gdn: @f GDN 1 has a γ that is not a lic.constant; the rewrite needs GDN's parameters as weights
func.func @f(%x: tensor<1x3x4x4xf32>, %gamma: tensor<3x3xf32>) -> tensor<1x3x4x4xf32> {
  %beta = lic.constant dense<1.0> : tensor<3xf32>
  %g = lic.gdn %x, %beta, %gamma : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x4x4xf32>
  func.return %g : tensor<1x3x4x4xf32>
}
