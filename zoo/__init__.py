"""Model zoo: SAGAN and autoencoder architectures built from keras_refined_sa layers."""
