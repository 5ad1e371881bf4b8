using ViGoR.Torch.Modeling;
using ViGoR.Torch.Tokenization;
using static TorchSharp.torch;

namespace ViGoR.Torch.Rewards;

/// <summary>
/// The tokens that tell a scheme's labels apart, as the fine-tuner encodes a reply after the template's
/// <c>ASSISTANT:</c>. LLaMA writes " 3" as "▁" "3", so every label's reply starts with the same "▁":
/// that shared <see cref="Lead"/> is appended to the question (it is what the model emits first, with
/// probability near 1 after training), and the labels are read at the next token, <see cref="First"/>.
/// Renormalising over the labels there equals renormalising the labels' whole-reply probabilities,
/// since the lead is common to all of them.
/// </summary>
/// <param name="Lead">Reply tokens every label starts with (often "▁"; may be empty).</param>
/// <param name="First">Per label, in scheme order, the first token after <see cref="Lead"/>; all distinct.</param>
internal sealed record RewardLabelTokens(long[] Lead, long[] First)
{
    /// <summary>The label tokens of <paramref name="scheme"/>, or null with <paramref name="collision"/> naming the labels whose first tokens coincide.</summary>
    public static RewardLabelTokens? Analyse(LlavaTokenizer tokenizer, ConversationMode mode, RewardLabelScheme scheme, out string? collision) =>
        Analyse(tokenizer, mode, scheme.Labels.Select(l => l.Label).ToList(), out collision);

    /// <summary>The tokens that tell the replies <paramref name="labels"/> apart (e.g. "Yes" and "No"), or null with <paramref name="collision"/> naming the replies whose first tokens coincide.</summary>
    public static RewardLabelTokens? Analyse(LlavaTokenizer tokenizer, ConversationMode mode, IReadOnlyList<string> labels, out string? collision)
    {
        // Any user turn does: the reply follows the template's fixed "ASSISTANT:" ending.
        var probe = ConversationTemplate.Format(mode, "x");
        int promptLength = tokenizer.EncodePrompt(probe).Length;
        var replies = labels.Select(l => tokenizer.EncodeForTraining(probe, l).Ids[promptLength..^1]).ToList();
        int lead = replies.Min(r => r.Length) - 1;
        for (int i = 0; i < lead; i++)
        {
            if (replies.Any(r => r[i] != replies[0][i]))
            {
                lead = i;
                break;
            }
        }

        var first = replies.Select(r => r[lead]).ToArray();
        var clashes = labels.Select((l, i) => (Label: l, Token: first[i]))
            .GroupBy(x => x.Token)
            .Where(g => g.Count() > 1)
            .Select(g => $"{string.Join(", ", g.Select(x => $"'{x.Label}'"))} (token {g.Key}, '{tokenizer.Decode([g.Key])}')")
            .ToList();
        collision = clashes.Count == 0 ? null : "labels " + string.Join("; ", clashes) + " share their first reply token";
        return clashes.Count == 0 ? new RewardLabelTokens(replies[0][..lead], first) : null;
    }
}

/// <summary>Label logits and renormalised label probabilities, one row per question, labels in scheme order.</summary>
internal sealed record LabelScores(float[][] LabelLogits, double[][] Probabilities)
{
    /// <summary>
    /// The judgement of question <paramref name="row"/>: expected score, the most probable label's kind and
    /// score (<see cref="SentenceJudgement.LabelScore"/>), and the mass on error labels.
    /// </summary>
    public SentenceJudgement Judge(int row, RewardLabelScheme scheme)
    {
        var p = Probabilities[row];
        double score = 0, error = 0;
        int best = 0;
        for (int j = 0; j < p.Length; j++)
        {
            var judgement = scheme.Labels[j].Judgement;
            score += p[j] * judgement.Score;
            error += judgement.Error == SentenceErrorKind.None ? 0 : p[j];
            best = p[j] > p[best] ? j : best;
        }

        var label = scheme.Labels[best].Judgement;
        return new SentenceJudgement(score, label.Error) { LabelScore = label.Score, ErrorProbability = Math.Clamp(error, 0, 1) };
    }

    /// <summary>The index of the most probable label of question <paramref name="row"/>.</summary>
    public int Best(int row) => Array.IndexOf(Probabilities[row], Probabilities[row].Max());
}

/// <summary>
/// Reads a reward model's answer from the next-token distribution where its reply starts, one forward per
/// question and no decoding. <c>OnePass</c> shares the image, instruction and description among the
/// questions of one image (and runs several images as rows of one pass); <see cref="Separately"/> is the
/// plain one-forward-per-question reference.
/// </summary>
/// <remarks>Synchronous; call under the model's gate and <c>no_grad</c>.</remarks>
internal static class FirstTokenScorer
{
    /// <summary>
    /// Scores all <paramref name="questions"/> (token ids of each whole prompt, ending at <c>ASSISTANT:</c>)
    /// in one prefill plus one packed forward. The longest question (plus the label lead) is the spine:
    /// its ids up to the last place another question leaves it are prefilled into a KV cache, causally.
    /// Every other question leaves the spine at its boundary b_i (its longest common prefix with it); the
    /// rest of the questions form a prefix tree of token ids, merged where they leave at the same place
    /// and share ids. Each tree node is one packed position, at the position b_i plus its depth gives,
    /// under an additive mask that lets it see cache[0, b_i) and its own ancestors only. So every token
    /// of every description is read once, however many of its sentences are asked about: one
    /// description costs its prompt plus a short tail (" ASSISTANT:" and the lead) per sentence, and the
    /// k samples of an image, which leave the spine after the instruction, each cost their own text once.
    /// Packing (rather than slicing the cache at every boundary and running each question alone) costs one
    /// pass over the weights instead of one per sentence, which is what a small-row forward is bound by.
    /// </summary>
    /// <remarks>
    /// The ids are exactly each question's own prompt ids, and every position sees exactly the ids before
    /// it in its own question, so scores equal <see cref="Separately"/> up to floating point. Where
    /// tokenization merges across a sentence boundary, a question leaves the spine or its sibling a few
    /// ids earlier. A tree node holding an image token (a template with <c>&lt;image&gt;</c> after
    /// <c>{description}</c>) falls back to <see cref="Separately"/>.
    /// </remarks>
    /// <param name="model">The model.</param>
    /// <param name="questions">Token ids per question (image tokens marked).</param>
    /// <param name="features">Projected features [1, features per image, hidden] of the one image every image token stands for.</param>
    /// <param name="labels">The label tokens.</param>
    public static LabelScores OnePass(LlavaForConditionalGeneration model, IReadOnlyList<long[]> questions, Tensor features, RewardLabelTokens labels) =>
        OnePass(model, [questions], features, labels);

    /// <summary>
    /// <see cref="OnePass(LlavaForConditionalGeneration, IReadOnlyList{long[]}, Tensor, RewardLabelTokens)"/> for
    /// several images at once: row b holds the questions about image b, with its own spine and prefix
    /// tree. The spines are prefilled as one right-padded batch and the trees packed per row (padded to
    /// the largest), so B images cost one pass over the weights, not B. A node sees only its own row's
    /// cache below its boundary and its ancestors, never padding, so each row's scores equal its own
    /// one-row pass up to floating point.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="rows">Per image, the token ids of its questions (at least one each).</param>
    /// <param name="features">Projected features [B, features per image, hidden]: row b's image tokens stand for <c>features[b]</c>.</param>
    /// <param name="labels">The label tokens.</param>
    /// <returns>Scores of every question, row after row, in question order.</returns>
    public static LabelScores OnePass(LlavaForConditionalGeneration model, IReadOnlyList<IReadOnlyList<long[]>> rows, Tensor features, RewardLabelTokens labels)
    {
        using var guard = NativeScalarRace.Enter();
        if (features.shape[0] != rows.Count)
        {
            throw new ArgumentException($"{features.shape[0]} images' features for {rows.Count} rows of questions.", nameof(features));
        }

        long imageToken = model.Config.ImageTokenIndex;
        int batch = rows.Count;
        var prefixes = new long[batch][];
        var trees = new PrefixTree[batch];
        for (int r = 0; r < batch; r++)
        {
            var paths = rows[r].Select(q => (long[])[.. q, .. labels.Lead]).ToList();
            var spine = paths.MaxBy(p => p.Length)!;

            // Where each path leaves the spine, short of its end: every path keeps a node for its logits.
            var boundaries = paths.Select(p => Math.Min(p.AsSpan().CommonPrefixLength(spine), p.Length - 1)).ToList();
            prefixes[r] = spine[..boundaries.Max()];
            trees[r] = PrefixTree.Build(paths, boundaries);
            if (trees[r].Tokens.Contains(imageToken))
            {
                return Concat(rows.Select((row, k) => Separately(model, row, features.narrow(0, k, 1), labels)).ToList());
            }
        }

        using var scope = NewDisposeScope();
        var lm = model.LanguageModel;
        var text = model.Config.Text;
        var imagesPerRow = prefixes.Select(p => p.Count(id => id == imageToken)).ToArray();
        var prefixFeatures = imagesPerRow.Sum() == 0
            ? null
            : cat(Enumerable.Range(0, batch).Where(r => imagesPerRow[r] > 0).Select(r => features.narrow(0, r, 1).expand(imagesPerRow[r], -1, -1)).ToArray(), 0);
        using var prefixInputs = model.SpliceInputs(prefixes, prefixFeatures, null, PaddingSide.Right);
        int cached = (int)prefixInputs.InputsEmbeds.shape[1];
        int packed = trees.Max(t => t.Tokens.Count);
        int keys = cached + packed;
        using var cache = KvCache.Allocate(lm.Model.LayerCount, batch, text.KeyValueHeads, keys, text.HeadDimension, model.Device, model.DType);
        lm.Model.Forward(prefixInputs.InputsEmbeds, prefixInputs.PositionIds, prefixInputs.AttentionMask, cache);

        long expansion = features.shape[1] - 1;
        var ids = new long[batch * packed];
        var positions = new long[batch * packed];
        var allowed = new bool[batch * packed * keys];
        var last = new List<long>(rows.Sum(r => r.Count));
        for (int r = 0; r < batch; r++)
        {
            var tree = trees[r];

            // imagesBefore[b]: image tokens among the prefix's first b ids; each stands for features.shape[1] cache positions.
            var imagesBefore = new int[prefixes[r].Length + 1];
            for (int i = 0; i < prefixes[r].Length; i++)
            {
                imagesBefore[i + 1] = imagesBefore[i] + (prefixes[r][i] == imageToken ? 1 : 0);
            }

            for (int n = 0; n < packed; n++)
            {
                int token = (r * packed) + n;
                var row = allowed.AsSpan(token * keys, keys);
                if (n >= tree.Tokens.Count)
                {
                    // Padding of a smaller tree sees only itself: a row with nothing to attend to would be NaN.
                    row[cached + n] = true;
                    continue;
                }

                int boundary = tree.Boundaries[n];
                int start = boundary + (int)(expansion * imagesBefore[boundary]);
                ids[token] = tree.Tokens[n];
                positions[token] = start + tree.Depths[n];
                int parent = tree.Parents[n];
                if (parent < 0)
                {
                    row[..start].Fill(true);
                }
                else
                {
                    // A parent precedes its children, so its row is complete: inherit it.
                    allowed.AsSpan(((r * packed) + parent) * keys, keys).CopyTo(row);
                }

                row[cached + n] = true;
            }

            last.AddRange(tree.Ends.Select(e => (long)((r * packed) + e)));
        }

        var device = model.Device;
        var mask = where(
            tensor(allowed, [batch, 1, packed, keys], device: device),
            zeros(1, model.DType, device),
            full(1, LlamaModel.MaskMinimum(model.DType), model.DType, device));
        var hidden = lm.Model.ForwardWithMask(
            lm.Model.Embed(tensor(ids, [batch, packed], ScalarType.Int64, device)),
            tensor(positions, [batch, packed], ScalarType.Int64, device),
            mask,
            cache);
        var logits = lm.LmHead(hidden.reshape(batch * packed, -1).index_select(0, tensor(last.ToArray(), ScalarType.Int64, device)));
        return Read(logits, labels);
    }

    /// <summary>
    /// Token paths after their boundaries, merged where they share a start and a prefix: node n holds
    /// <see cref="Tokens"/>[n] at <see cref="Depths"/>[n] after its path's boundary (in the cached
    /// prefix, <see cref="Boundaries"/>[n]) below <see cref="Parents"/>[n] (-1 = the cached prefix); a
    /// parent always precedes its children. <see cref="Ends"/>[i] is the node of path i's last token.
    /// </summary>
    private sealed record PrefixTree(List<long> Tokens, List<int> Parents, List<int> Depths, List<int> Boundaries, int[] Ends)
    {
        public static PrefixTree Build(List<long[]> paths, List<int> boundaries)
        {
            var tree = new PrefixTree([], [], [], [], new int[paths.Count]);
            var children = new Dictionary<(int Parent, int Boundary, long Token), int>();
            for (int i = 0; i < paths.Count; i++)
            {
                int node = -1, boundary = boundaries[i];
                for (int d = 0; boundary + d < paths[i].Length; d++)
                {
                    var token = paths[i][boundary + d];
                    if (!children.TryGetValue((node, boundary, token), out var child))
                    {
                        child = tree.Tokens.Count;
                        tree.Tokens.Add(token);
                        tree.Parents.Add(node);
                        tree.Depths.Add(d);
                        tree.Boundaries.Add(boundary);
                        children[(node, boundary, token)] = child;
                    }

                    node = child;
                }

                tree.Ends[i] = node;
            }

            return tree;
        }
    }

    private static LabelScores Concat(IReadOnlyList<LabelScores> parts) =>
        new([.. parts.SelectMany(p => p.LabelLogits)], [.. parts.SelectMany(p => p.Probabilities)]);

    /// <summary>The reference: every question (plus the label lead) as its own prompt, one full forward each, no cache.</summary>
    public static LabelScores Separately(LlavaForConditionalGeneration model, IReadOnlyList<long[]> questions, Tensor features, RewardLabelTokens labels)
    {
        using var guard = NativeScalarRace.Enter();
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>(questions.Count);
        foreach (var question in questions)
        {
            long[] ids = [.. question, .. labels.Lead];
            int images = ids.Count(id => id == model.Config.ImageTokenIndex);
            using var inputs = model.SpliceInputs([ids], images == 0 ? null : features.expand(images, -1, -1), null, PaddingSide.Right);
            var hidden = model.LanguageModel.Model.Forward(inputs.InputsEmbeds, inputs.PositionIds, inputs.AttentionMask, null);
            rows.Add(model.LanguageModel.LmHead(hidden[0, -1]));
        }

        return Read(stack(rows), labels);
    }

    // Softmax over the vocabulary, then the labels' probabilities renormalised over the labels. Done in
    // log space: a softmax of the labels' log-probabilities is the same number and cannot divide 0 by 0
    // when an untrained model puts almost no mass on any label.
    private static LabelScores Read(Tensor logits, RewardLabelTokens labels)
    {
        using var scope = NewDisposeScope();
        var wide = logits.to(ScalarType.Float32);
        var index = tensor(labels.First, ScalarType.Int64, wide.device);
        var labelLogits = wide.index_select(1, index);
        var probabilities = wide.log_softmax(-1).index_select(1, index).softmax(-1).to(ScalarType.Float64).cpu();
        long n = wide.shape[0], k = labels.First.Length;
        var logitRows = labelLogits.cpu().data<float>().ToArray();
        var probabilityRows = probabilities.data<double>().ToArray();
        return new LabelScores(
            Enumerable.Range(0, (int)n).Select(r => logitRows.AsSpan(r * (int)k, (int)k).ToArray()).ToArray(),
            Enumerable.Range(0, (int)n).Select(r => probabilityRows.AsSpan(r * (int)k, (int)k).ToArray()).ToArray());
    }
}
