"""Deep Generative Replay (Shin, Lee, Kim, Kim, NIPS 2017), reference protocol: an unconditional WGAN-GP and a
CNN solver trained task after task with replay (none, exact or generative)."""
