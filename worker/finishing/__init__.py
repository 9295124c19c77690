"""Photo finishing: classical edits over plain images (auto-enhance, sky, dusk), no model needed.

Public entry points: enhance.auto_enhance, sky.sky_alpha / sky.window_alpha / sky.replace_sky,
sky_guess.guess_sky_alpha, twilight.dusk_grade and dusk_pass.plan_dusk_pass.
"""
