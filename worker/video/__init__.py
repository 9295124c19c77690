"""Reveal videos: each before→after photo pair as a wipe that follows the share page's slider.

Pure functions over PIL images and numpy frames; `render.render_reveal` writes the MP4.
"""
