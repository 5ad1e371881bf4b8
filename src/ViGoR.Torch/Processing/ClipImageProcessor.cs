using System.Text.Json;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace ViGoR.Torch.Processing;

/// <summary>
/// Hugging Face <c>CLIPImageProcessor</c> settings (<c>preprocessor_config.json</c>). Defaults are
/// OpenAI CLIP's (OPENAI_CLIP_MEAN / OPENAI_CLIP_STD).
/// </summary>
public sealed class ClipImageProcessorConfig
{
    /// <summary>Resize so the shortest side is <see cref="ShortestEdge"/>.</summary>
    [JsonPropertyName("do_resize")] public bool DoResize { get; set; } = true;

    /// <summary><c>size</c>: an object with <c>shortest_edge</c> (or <c>height</c>/<c>width</c>), or a number.</summary>
    [JsonPropertyName("size")] public JsonElement? Size { get; set; }

    /// <summary>Pillow filter id: 3 bicubic (CLIP), 2 bilinear.</summary>
    [JsonPropertyName("resample")] public int Resample { get; set; } = (int)PilResample.Bicubic;

    /// <summary>Centre-crop to <see cref="CropSize"/>.</summary>
    [JsonPropertyName("do_center_crop")] public bool DoCenterCrop { get; set; } = true;

    /// <summary><c>crop_size</c>: an object with <c>height</c>/<c>width</c>, or a number.</summary>
    [JsonPropertyName("crop_size")] public JsonElement? CropSize { get; set; }

    /// <summary>Multiply by <see cref="RescaleFactor"/>.</summary>
    [JsonPropertyName("do_rescale")] public bool DoRescale { get; set; } = true;

    /// <summary>Usually 1/255.</summary>
    [JsonPropertyName("rescale_factor")] public double RescaleFactor { get; set; } = 1.0 / 255.0;

    /// <summary>Subtract mean, divide by std.</summary>
    [JsonPropertyName("do_normalize")] public bool DoNormalize { get; set; } = true;

    /// <summary>Per-channel mean (OpenAI CLIP).</summary>
    [JsonPropertyName("image_mean")] public double[] ImageMean { get; set; } = [0.48145466, 0.4578275, 0.40821073];

    /// <summary>Per-channel std (OpenAI CLIP).</summary>
    [JsonPropertyName("image_std")] public double[] ImageStd { get; set; } = [0.26862954, 0.26130258, 0.27577711];

    /// <summary>Keys not mapped (image_processor_type, processor_class, do_convert_rgb, ...).</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtraKeys { get; set; }

    /// <summary>The resize target for the shortest side.</summary>
    [JsonIgnore] public int ShortestEdge => Side(Size, "shortest_edge", 224);

    /// <summary>The crop side (square crops only).</summary>
    [JsonIgnore] public (int Height, int Width) Crop => CropSize is { ValueKind: JsonValueKind.Object } c
        ? (c.GetProperty("height").GetInt32(), c.GetProperty("width").GetInt32())
        : (Side(CropSize, "height", 224), Side(CropSize, "width", 224));

    private static int Side(JsonElement? e, string key, int fallback) => e switch
    {
        { ValueKind: JsonValueKind.Number } n => n.GetInt32(),
        { ValueKind: JsonValueKind.Object } o when o.TryGetProperty(key, out var v) => v.GetInt32(),
        { ValueKind: JsonValueKind.Object } o when o.TryGetProperty("height", out var h) => h.GetInt32(),
        _ => fallback,
    };

    /// <summary>Reads <c>preprocessor_config.json</c> from <paramref name="directory"/>, or null when absent.</summary>
    public static ClipImageProcessorConfig? Load(string directory)
    {
        var path = Path.Combine(directory, "preprocessor_config.json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ClipImageProcessorConfig>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid JSON at {e.Path} (line {e.LineNumber + 1}): {e.Message}", e);
        }
    }
}

/// <summary>
/// CLIPImageProcessor: optional pad-to-square with the mean colour (LLaVA-1.5 <c>expand2square</c>),
/// shortest side to size (Pillow-exact bicubic), centre crop, rescale, normalise → [3, H, W] float32.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class ClipImageProcessor
{
    /// <summary>Creates the processor.</summary>
    /// <param name="config">Settings (from <c>preprocessor_config.json</c>).</param>
    /// <param name="padToSquare">Pad to a square with the mean colour first (LLaVA <c>image_aspect_ratio: pad</c>).</param>
    public ClipImageProcessor(ClipImageProcessorConfig config, bool padToSquare)
    {
        Config = config ?? throw new ArgumentNullException(nameof(config));
        PadToSquare = padToSquare;
    }

    /// <summary>The settings.</summary>
    public ClipImageProcessorConfig Config { get; }

    /// <summary>Whether images are padded to a square first.</summary>
    public bool PadToSquare { get; }

    /// <summary>The fill colour for padding: <c>int(mean * 255)</c> per channel, as LLaVA computes it.</summary>
    public byte[] PadColour => Config.ImageMean.Select(m => (byte)(int)(m * 255)).ToArray();

    /// <summary>Preprocessed pixels, CHW float32, row-major: [3 × cropHeight × cropWidth].</summary>
    public float[] Preprocess(RgbImage image, out int height, out int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        int w = image.Width, h = image.Height;
        byte[] px = image.Pixels.ToArray();
        if (PadToSquare && w != h)
        {
            (px, w, h) = ExpandToSquare(px, w, h, PadColour);
        }

        if (Config.DoResize)
        {
            int target = Config.ShortestEdge;
            // transformers get_resize_output_image_size(default_to_square=False): the long side is int()-truncated.
            (int nw, int nh) = w <= h ? (target, (int)((long)target * h / w)) : ((int)((long)target * w / h), target);
            if (nw != w || nh != h)
            {
                px = PilResampler.Resize(px, w, h, nw, nh, (PilResample)Config.Resample);
                (w, h) = (nw, nh);
            }
        }

        int top = 0, left = 0, ch = h, cw = w;
        if (Config.DoCenterCrop)
        {
            (ch, cw) = Config.Crop;
            if (ch > h || cw > w)
            {
                throw new InvalidOperationException($"Image '{image.Id}' is {w}x{h} after resizing, smaller than the {cw}x{ch} crop.");
            }

            top = (h - ch) / 2;
            left = (w - cw) / 2;
        }

        var mean = Config.ImageMean.Select(m => (float)m).ToArray();
        var std = Config.ImageStd.Select(s => (float)s).ToArray();
        var output = new float[3 * ch * cw];
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < ch; y++)
            {
                for (int x = 0; x < cw; x++)
                {
                    // transformers rescales in float64 then casts to float32; normalises in float32.
                    float v = px[((((y + top) * w) + x + left) * 3) + c];
                    if (Config.DoRescale)
                    {
                        v = (float)(px[((((y + top) * w) + x + left) * 3) + c] * Config.RescaleFactor);
                    }

                    if (Config.DoNormalize)
                    {
                        v = (v - mean[c]) / std[c];
                    }

                    output[(((c * ch) + y) * cw) + x] = v;
                }
            }
        }

        height = ch;
        width = cw;
        return output;
    }

    /// <summary>A batch [N, 3, H, W] float32 on <paramref name="device"/>.</summary>
    public Tensor Preprocess(IReadOnlyList<RgbImage> images, Device device)
    {
        ArgumentNullException.ThrowIfNull(images);
        var all = new List<float>();
        int h = 0, w = 0;
        foreach (var image in images)
        {
            all.AddRange(Preprocess(image, out h, out w));
        }

        return tensor(all.ToArray(), [images.Count, 3, h, w], ScalarType.Float32, device);
    }

    private static (byte[] Pixels, int Width, int Height) ExpandToSquare(byte[] px, int w, int h, byte[] colour)
    {
        int side = Math.Max(w, h);
        var result = new byte[side * side * 3];
        for (int i = 0; i < side * side; i++)
        {
            result[i * 3] = colour[0];
            result[(i * 3) + 1] = colour[1];
            result[(i * 3) + 2] = colour[2];
        }

        // LLaVA expand2square: paste at ((side - w) // 2, (side - h) // 2), one of which is 0.
        int ox = (side - w) / 2, oy = (side - h) / 2;
        for (int y = 0; y < h; y++)
        {
            Array.Copy(px, y * w * 3, result, (((y + oy) * side) + ox) * 3, w * 3);
        }

        return (result, side, side);
    }
}
