// RUN: licc-opt %S/Inputs/hls-codec.mlir --verify-diagnostics -p 'convert-lic-to-hls,lic-set-parallelism{device=zcu999}' | filecheck %s --check-prefix=DEVICE
// RUN: licc-opt %S/Inputs/hls-codec.mlir --verify-diagnostics -p 'convert-lic-to-hls,lic-set-parallelism{target-fps=100000000}' | filecheck %s --check-prefix=TARGET
// RUN: licc-opt %S/Inputs/hls-codec.mlir --verify-diagnostics -p 'convert-lic-to-hls,lic-set-parallelism{objective=min-resources target-fps=100000000}' | filecheck %s --check-prefix=MIN
// RUN: licc-opt %S/Inputs/hls-codec.mlir --verify-diagnostics -p 'convert-lic-to-hls,lic-set-parallelism{util-cap=0.0005}' | filecheck %s --check-prefix=BUDGET
// RUN: licc-opt %S/Inputs/hls-codec.mlir --verify-diagnostics -p 'convert-lic-to-hls,lic-set-parallelism{objective=min-resources}' | filecheck %s --check-prefix=NOTARGET
// RUN: licc-opt %S/Inputs/hls-codec.mlir --verify-diagnostics -p 'convert-lic-to-hls,lic-set-parallelism{objective=fastest}' | filecheck %s --check-prefix=OBJECTIVE
// RUN: licc-opt %S/Inputs/hls-codec.mlir --verify-diagnostics -p 'convert-lic-to-hls,lic-set-parallelism{util-cap=1.5}' | filecheck %s --check-prefix=CAP
// RUN: licc-opt %S/Inputs/hls-codec.mlir --verify-diagnostics -p 'convert-lic-to-hls,lic-set-parallelism{mult-impls=lut}' | filecheck %s --check-prefix=IMPLS
// RUN: echo '{"stages": [{"function": "codec", "stage": "r0", "pe": 1, "simd": 9, "mmv": 3}, {"function": "codec", "stage": "q1", "pe": 1, "simd": 2}, {"function": "codec", "stage": "q2", "pe": 1, "simd": 1}]}' > %t.mmv.json
// RUN: licc-opt %S/Inputs/hls-codec.mlir --verify-diagnostics -p 'convert-lic-to-hls,lic-set-parallelism{parallelism-file="%t.mmv.json"}' | filecheck %s --check-prefix=MMV
// RUN: echo '{"stages": [{"function": "codec", "stage": "r0", "pe": 1, "simd": 9, "mult_impl": "lut"}, {"function": "codec", "stage": "q1", "pe": 1, "simd": 2}, {"function": "codec", "stage": "q2", "pe": 1, "simd": 1}]}' > %t.impl.json
// RUN: licc-opt %S/Inputs/hls-codec.mlir --verify-diagnostics -p 'convert-lic-to-hls,lic-set-parallelism{parallelism-file="%t.impl.json"}' | filecheck %s --check-prefix=PLACE
// RUN: licc-opt %s --verify-diagnostics -p 'lic-set-parallelism' | filecheck %s --check-prefix=NOHLS

// DEVICE: unknown device 'zcu999'; choose one of kv260, ultra96v2, zcu102, zcu104 or give the path of a board .json file

// A frame rate beyond any folding: the message names the emitted stage that
// cannot go faster and the best the budget allows.
// TARGET: 100,000,000 FPS is out of reach for @codec on zcu102 (200 MHz, 80% cap): the best within the budget is 22,222,222.22 FPS: @codec q2 (hls.deconv) needs at least 9 cycles per frame even fully parallel
// MIN: 100,000,000 FPS is out of reach for @codec on zcu102 (200 MHz, 80% cap): @codec q2 (hls.deconv) needs at least 9 cycles per frame even fully parallel; the best within the budget is 22,222,222.22 FPS (lower target-fps, raise util-cap or pick a larger device)

// A budget too small for even the most folded design names the binding resources.
// BUDGET: no design of @codec on zcu102 (200 MHz, 0.05% cap) fits the budget: bound by DSP (needs at least 7 of 1), LUT (needs at least 1,557 of 137), FF (needs at least 283 of 274) (raise util-cap, pick a larger device, or use narrower bit widths)

// NOTARGET: objective=min-resources needs target-fps (the frame rate to meet)
// OBJECTIVE: objective must be one of max-fps, min-resources, got 'fastest'
// CAP: util-cap must be in (0, 1], got 1.5
// IMPLS: unknown mult-impl 'lut'; choose from dsp, fabric

// Illegal pixel parallelism and an illegal placement in a parallelism file.
// MMV: @codec r0 (hls.mvau): mmv = 3 is not legal (MMV takes fewer groups of the row of 2 pixels than MMV − 1); choose one of 1, 2
// PLACE: @codec r0 (hls.mvau): mult_impl 'lut' is not legal; choose one of dsp, fabric

// The pass plans hls stages: lic IR must be converted first.
// NOHLS: lic-set-parallelism plans hls dataflow stages and the module has none; run convert-lic-to-hls first

func.func @encoder(%x: tensor<1x3x16x16xf32>) -> tensor<1x3x16x16xf32> {
  %r = lic.relu %x : tensor<1x3x16x16xf32>
  func.return %r : tensor<1x3x16x16xf32>
}
