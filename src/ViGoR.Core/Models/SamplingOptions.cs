namespace ViGoR;

/// <summary>How to sample descriptions from an <see cref="IVisionLanguageModel"/>.</summary>
public sealed class SamplingOptions
{
    /// <summary>Number of descriptions per image, k. Default 5 (ViGoR paper, Sec. 3.1).</summary>
    public int NumSamples { get; set; } = 5;

    /// <summary>
    /// Softmax temperature; 0 means greedy decoding. The paper requires only a temperature above 0
    /// for diverse samples; 0.7 is this library's default.
    /// </summary>
    public float Temperature { get; set; } = 0.7f;

    /// <summary>Nucleus sampling mass in (0, 1]; 1 disables it.</summary>
    public float TopP { get; set; } = 1f;

    /// <summary>
    /// Sample only among the k most likely tokens (after temperature, before top-p); 0 disables it.
    /// Default 50: Hugging Face's <c>generate</c> default, which LLaVA's own sampling runs with.
    /// </summary>
    public int TopK { get; set; } = 50;

    /// <summary>Upper bound on generated tokens per sample.</summary>
    public int MaxNewTokens { get; set; } = 512;

    /// <summary>
    /// Seed for this call; the same seed, image, prompt and model reproduce the same texts.
    /// Null draws a fresh seed.
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>Settings the abstraction does not name, for specific models.</summary>
    public IDictionary<string, object?> AdditionalProperties { get; init; } = new Dictionary<string, object?>();

    /// <summary>A copy.</summary>
    public SamplingOptions Clone() => new()
    {
        NumSamples = NumSamples,
        Temperature = Temperature,
        TopP = TopP,
        TopK = TopK,
        MaxNewTokens = MaxNewTokens,
        Seed = Seed,
        AdditionalProperties = new Dictionary<string, object?>(AdditionalProperties),
    };
}
