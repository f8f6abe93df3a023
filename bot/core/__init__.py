"""Plumbing every concern uses: clock, config, translations, texts, buttons, errors, audit."""
