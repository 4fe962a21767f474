"""MeRGAN, official protocol (Wu et al., *Memory Replay GANs*, NeurIPS 2018): a WGAN-GP AC-GAN with sequential
fine-tuning (sft), Joint Training with Replay (jtr), Replay Alignment (ra) or joint training (joint)."""
