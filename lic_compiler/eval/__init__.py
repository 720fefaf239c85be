"""Rate-distortion evaluation: bitstreams, metrics, BD-rate, plots.

Modules: `codec` (the `Codec` protocol, `ModelCodec` for CompressAI-style
models, `codec_from_checkpoint`), `jpeg` (the Pillow JPEG baseline), `rd`
(`load_test_images`, `evaluate_curve`), `results` (the JSON format and its
conventions), `bd` (`bd_rate`, `bd_psnr`), `plot` (`plot_rd`), `compare`
(several curves, BD tables and a plot in one folder). From Python::

    from lic_compiler.eval.codec import codec_from_checkpoint
    from lic_compiler.eval.rd import evaluate_curve, load_test_images
    from lic_compiler.eval.results import save_results

    images = load_test_images("kodak/")
    codecs = [codec_from_checkpoint(p) for p in ("q1.pt", "q2.pt", "q3.pt", "q4.pt")]
    save_results(evaluate_curve(codecs, images, name="mine"), "mine.json")

Any object with the `Codec` methods (encode, decode, reference) makes a curve.
"""
