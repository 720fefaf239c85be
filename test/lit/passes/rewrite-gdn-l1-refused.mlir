// RUN: licc-opt %s --verify-diagnostics -p 'lic-rewrite-gdn{form=l1 count=2}' | filecheck %s
// RUN: licc-opt %s -p 'lic-rewrite-gdn{form=l1 force-l1=true count=2}' 2>&1 | filecheck %s --check-prefix=FORCED

// Asking for the L1 form on a model trained with standard GDN is refused:
// x/(β+Σγ|x|) is another function than x/sqrt(β+Σγx²). The message says
// what forcing would cost, measured on the calibration images (here a toy
// codec whose @encoder takes 8×8 crops), and how to get an L1 model.

// CHECK: lic-rewrite-gdn: @encoder GDN 1, @decoder IGDN 1 are standard GDNs; the L1 form x/(β+Σγ|x|) is not the function the model was trained with: on 2 calibration images it changes the codec's PSNR by {{[-+][0-9]+\.[0-9]+}} dB, and the normalisation's relative error reaches {{[0-9.e-]+}} (RMS up to {{[0-9.e-]+}}). Train with simplified GDN (licc-train --gdn simplified) to use the L1 form, or pass force-l1=true to accept this cost

// Forced, it lowers both without roots and reports the measured cost.
// FORCED: lic-rewrite-gdn:
// FORCED-NEXT: @encoder GDN 1 standard GDN -> l1 form, reciprocal pwl(segments=32) (bound 0.00014); measured relative error max {{.*}}, RMS {{.*}}
// FORCED-NEXT: @decoder IGDN 1 standard IGDN -> l1 form, no root; measured relative error max {{.*}}, RMS {{.*}}
// FORCED-NEXT: codec PSNR on 2 calibration images: {{[0-9.]+}} dB, change {{[-+][0-9.]+}} dB
// FORCED: lowered_form = "l1"
// FORCED: %g_abs = lic.abs %x
// FORCED: lic.reciprocal %g_norm pwl(segments = 32)
// FORCED: %ig_abs = lic.abs %y
// FORCED-NOT: lic.sqrt

func.func @encoder(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %beta = lic.constant dense<[1.0, 0.5, 2.0]> : tensor<3xf32>
  %gamma = lic.constant dense<[[0.1, 0.0, 0.2], [0.05, 0.3, 0.0], [0.0, 0.1, 0.1]]> : tensor<3x3xf32>
  %g = lic.gdn %x, %beta, %gamma : (tensor<1x3x8x8xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x8x8xf32>
  func.return %g : tensor<1x3x8x8xf32>
}

func.func @decoder(%y: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %beta = lic.constant dense<[1.0, 0.5, 2.0]> : tensor<3xf32>
  %gamma = lic.constant dense<[[0.1, 0.0, 0.2], [0.05, 0.3, 0.0], [0.0, 0.1, 0.1]]> : tensor<3x3xf32>
  %ig = lic.gdn %y, %beta, %gamma {inverse} : (tensor<1x3x8x8xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x8x8xf32>
  func.return %ig : tensor<1x3x8x8xf32>
}
