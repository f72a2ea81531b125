"""The built-in enhancement engine: Real-ESRGAN on ncnn in tiles (`engine`, `tiles`,
`models`, `device`, `images`), and face restoration with a user-supplied ONNX model
(`face`, `face_haar`, `face_paste`)."""
