"""Demo data: synthetic, plausible answers, deterministic by seed, always labelled as demo."""
