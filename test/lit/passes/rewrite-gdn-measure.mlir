// RUN: licc-opt %s -p 'lic-rewrite-gdn{mode=table table-bits=6 count=3}' 2>&1 | filecheck %s

// With the calibration images (3 of the shipped 8, center-cropped to the
// 8×8 input of @encoder) the pass measures each GDN's relative error of the
// normalisation factor and, as the module holds @encoder and @decoder, the
// PSNR change of encoder → rounded latent → decoder. It prints them and
// records them in the module's lic.gdn_rewrite attribute.

// CHECK: lic-rewrite-gdn:
// CHECK-NEXT: @encoder GDN 1 standard GDN -> standard form, rsqrt table(table_bits=6) (bound 0.0077); measured relative error max {{[0-9.e-]+}}, RMS {{[0-9.e-]+}}
// CHECK-NEXT: @decoder IGDN 1 standard IGDN -> standard form, sqrt table(table_bits=6) (bound 0.0077); measured relative error max {{[0-9.e-]+}}, RMS {{[0-9.e-]+}}
// CHECK-NEXT: codec PSNR on 3 calibration images: {{[0-9.]+}} dB, change {{[-+][0-9.]+}} dB
// CHECK: builtin.module attributes {lic.gdn_rewrite = {mode = "table", table_bits = 6 : i64, gdns = [{gdn = "@encoder GDN 1", form = "standard", inverse = false, lowered_form = "standard", op = "lic.rsqrt", mode = "table", table_bits = 6 : i64, approx = "rsqrt table(table_bits=6)", error_bound = {{.*}} : f64, max_rel_error = {{.*}} : f64, rms_rel_error = {{.*}} : f64}, {gdn = "@decoder IGDN 1", {{.*}}}], images = 3 : i64, psnr_before = {{.*}} : f64, psnr_change = {{.*}} : f64}}

func.func @encoder(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %beta = lic.constant dense<[0.01, 0.02, 0.005]> : tensor<3xf32>
  %gamma = lic.constant dense<[[0.1, 0.0, 0.2], [0.05, 0.3, 0.0], [0.0, 0.1, 0.1]]> : tensor<3x3xf32>
  %g = lic.gdn %x, %beta, %gamma : (tensor<1x3x8x8xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x8x8xf32>
  func.return %g : tensor<1x3x8x8xf32>
}

func.func @decoder(%y: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %beta = lic.constant dense<[0.01, 0.02, 0.005]> : tensor<3xf32>
  %gamma = lic.constant dense<[[0.1, 0.0, 0.2], [0.05, 0.3, 0.0], [0.0, 0.1, 0.1]]> : tensor<3x3xf32>
  %ig = lic.gdn %y, %beta, %gamma {inverse} : (tensor<1x3x8x8xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x8x8xf32>
  func.return %ig : tensor<1x3x8x8xf32>
}
