"""broadcaster: Mandarin texts to finished village loudspeaker broadcasts.

    from broadcaster.script import load_script
    from broadcaster.render import render_programme
    programme = load_script("examples/winter-training.yaml")
    result = render_programme(programme, out_dir="audio_out/demo")
"""
__version__ = "0.1.0"
