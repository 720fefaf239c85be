// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-assign-precision{mode=hybrid objective=fastest}' | filecheck %s --check-prefix=OBJECTIVE
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-assign-precision{mode=hybrid held-out=1}' | filecheck %s --check-prefix=HELDOUT
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-assign-precision{mode=hybrid scope=board}' | filecheck %s --check-prefix=SCOPE
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-assign-precision{mode=hybrid confidence=1}' | filecheck %s --check-prefix=CONFIDENCE
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-calibrate{count=1},lic-assign-precision{mode=hybrid count=1 held-out-images=split}' | filecheck %s --check-prefix=ONEIMAGE
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-assign-precision{mode=hybrid held-out-images="%t/none"}' | filecheck %s --check-prefix=HELDDIR
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-calibrate{count=4},lic-assign-precision{mode=hybrid count=4 max-psnr-drop=0.0001}' \
// RUN:   | filecheck %s --check-prefix=REACH

// OBJECTIVE: lic-assign-precision: objective must be one of max-fps, min-resources, got 'fastest'
// HELDOUT: lic-assign-precision: held-out is the share of the images kept from the search, in (0, 1), got 1
// SCOPE: lic-assign-precision: scope must be one of joint, per-function, got 'board'
// CONFIDENCE: lic-assign-precision: confidence is the held-out check's one-sided level, in [0, 1) (0: the mean drop), got 1
// ONEIMAGE: lic-assign-precision: hybrid mode fits on some images and checks on others, and got 1; give it at least 2
// HELDDIR: lic-assign-precision: held-out-images={{.*}}/none is not a folder; give photos (the shipped whole photographs), split (a held-out share of the search images) or a folder of images

// The search's start (16-bit activations and GDN paths, each weight at 8 bits
// or at the width it measures least lossy at) loses more than a tiny budget;
// the error names the best reachable drop.
// REACH: lic-assign-precision: max-psnr-drop=0.0001 is out of reach: the best reachable drop is [[DROP:[0-9.]+]] dB (the search's start: act 16, gdn 16 bits, each weight at its widest or its least lossy width, on the fit images and, with its confidence margin, on the held-out ones); raise max-psnr-drop to at least [[DROP]]
