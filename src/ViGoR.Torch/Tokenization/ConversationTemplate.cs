namespace ViGoR.Torch.Tokenization;

/// <summary>Prompt formats LLaVA checkpoints were trained with.</summary>
public enum ConversationMode
{
    /// <summary>
    /// LLaVA's <c>conv_vicuna_v1</c> (used by LLaVA-1.5's evaluation scripts): the "curious user" system line,
    /// then <c>USER: ... ASSISTANT:</c> joined with " " (SeparatorStyle.TWO, sep2 &lt;/s&gt;).
    /// </summary>
    VicunaV1,

    /// <summary>LLaVA's <c>conv_llava_v1</c>: as <see cref="VicunaV1"/> with the "curious human" system line.</summary>
    LlavaV1,

    /// <summary>The llava-hf model cards' form: <c>USER: &lt;image&gt;\n{prompt} ASSISTANT:</c>, no system line.</summary>
    LlavaHf,
}

/// <summary>Builds prompt text exactly as LLaVA's <c>conversation.py</c> (<c>get_prompt</c>, SeparatorStyle.TWO) writes it.</summary>
public static class ConversationTemplate
{
    /// <summary>The placeholder that marks where image features go.</summary>
    public const string ImagePlaceholder = "<image>";

    /// <summary>System line of <c>conv_vicuna_v1</c> (LLaVA conversation.py).</summary>
    public const string VicunaSystem = "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the user's questions.";

    /// <summary>System line of <c>conv_llava_v1</c> (LLaVA conversation.py).</summary>
    public const string LlavaSystem = "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the human's questions.";

    /// <summary>Parses <c>vicuna_v1</c>, <c>llava_v1</c> or <c>llava_hf</c>.</summary>
    /// <exception cref="ArgumentException">Another name.</exception>
    public static ConversationMode Parse(string name) => name switch
    {
        "vicuna_v1" => ConversationMode.VicunaV1,
        "llava_v1" => ConversationMode.LlavaV1,
        "llava_hf" => ConversationMode.LlavaHf,
        _ => throw new ArgumentException($"Unknown conversation mode '{name}': use vicuna_v1, llava_v1 or llava_hf.", nameof(name)),
    };

    /// <summary>The mode's name as the CLI and LLaVA spell it.</summary>
    public static string Name(ConversationMode mode) => mode switch
    {
        ConversationMode.VicunaV1 => "vicuna_v1",
        ConversationMode.LlavaV1 => "llava_v1",
        _ => "llava_hf",
    };

    /// <summary>
    /// The prompt for one image and one user turn, ending with <c>ASSISTANT:</c> so the model answers.
    /// The user message is <c>&lt;image&gt;\n{prompt}</c> as LLaVA's eval scripts build it (unless the
    /// prompt already contains <c>&lt;image&gt;</c>).
    /// </summary>
    public static string Format(ConversationMode mode, string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var user = prompt.Contains(ImagePlaceholder, StringComparison.Ordinal) ? prompt : ImagePlaceholder + "\n" + prompt;
        return mode switch
        {
            // system + sep + "USER: " + message + sep + "ASSISTANT:"
            ConversationMode.VicunaV1 => VicunaSystem + " USER: " + user + " ASSISTANT:",
            ConversationMode.LlavaV1 => LlavaSystem + " USER: " + user + " ASSISTANT:",
            _ => "USER: " + user + " ASSISTANT:",
        };
    }
}
