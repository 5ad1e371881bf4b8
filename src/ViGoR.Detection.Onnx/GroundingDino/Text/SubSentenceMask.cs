namespace ViGoR;

/// <summary>
/// The sub-sentence self-attention mask and position ids of the original Grounding DINO
/// (<c>generate_masks_with_special_tokens_and_transfer_map</c> in IDEA-Research's
/// <c>bertwarper.py</c>): tokens attend only within their phrase block, a block ending at each
/// '.' or '?' (inclusive); positions restart at 0 in each block; [CLS] and the last token attend
/// to themselves with position 0. Hugging Face exports compute this inside the graph; IDEA-Research
/// exports take it as the <c>text_token_mask</c> and <c>position_ids</c> inputs.
/// </summary>
internal static class SubSentenceMask
{
    /// <summary>Builds the mask (row-major <c>[n, n]</c>) and position ids of one token sequence.</summary>
    public static (bool[] Mask, long[] PositionIds) Build(ReadOnlySpan<long> inputIds, IReadOnlyList<long> specialIds)
    {
        var n = inputIds.Length;
        var mask = new bool[n * n];
        var positions = new long[n];
        for (var i = 0; i < n; i++)
        {
            mask[(i * n) + i] = true;
        }

        var previous = 0;
        for (var col = 0; col < n; col++)
        {
            if (!specialIds.Contains(inputIds[col]))
            {
                continue;
            }

            if (col == 0 || col == n - 1)
            {
                mask[(col * n) + col] = true;
                positions[col] = 0;
            }
            else
            {
                for (var r = previous + 1; r <= col; r++)
                {
                    for (var c = previous + 1; c <= col; c++)
                    {
                        mask[(r * n) + c] = true;
                    }

                    positions[r] = r - previous - 1;
                }
            }

            previous = col;
        }

        return (mask, positions);
    }
}
