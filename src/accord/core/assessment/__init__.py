"""The "can we share?" assessment: an initiative in, an explained assessment out."""
