using Google.Protobuf;

namespace ViGoR.Cli.Demo.TinyModel;

/// <summary>
/// Writes a LLaMA-style SentencePiece <c>tokenizer.model</c> (a serialised <c>ModelProto</c>, BPE) for a
/// closed vocabulary of words, so the tiny demo model tokenizes through the same Microsoft.ML.Tokenizers
/// path as LLaMA: &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt; at ids 0-2, every character of the corpus, and for each
/// word every "▁"-prefix of it. BPE can then only grow a word's leading piece, one character at a time,
/// so each corpus word becomes exactly one piece and anything else falls back to characters.
/// </summary>
internal static class SentencePieceWriter
{
    private const string Space = "\u2581";

    /// <summary>The pieces, in id order, for <paramref name="words"/> (case kept; punctuation as single characters).</summary>
    public static IReadOnlyList<string> Pieces(IEnumerable<string> words)
    {
        var distinct = words.Where(w => w.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var pieces = new List<string> { "<unk>", "<s>", "</s>" };
        var seen = new HashSet<string>(pieces, StringComparer.Ordinal);
        foreach (var c in distinct.SelectMany(w => w).Append('\n').Append(':').Append('.').Append(',').Append('?').Distinct().Order())
        {
            if (seen.Add(c.ToString()))
            {
                pieces.Add(c.ToString());
            }
        }

        if (seen.Add(Space))
        {
            pieces.Add(Space);
        }

        foreach (var word in distinct)
        {
            for (int i = 1; i <= word.Length; i++)
            {
                if (seen.Add(Space + word[..i]))
                {
                    pieces.Add(Space + word[..i]);
                }
            }
        }

        return pieces;
    }

    /// <summary>The serialised model: BPE, identity normalisation with a dummy prefix and escaped whitespace (LLaMA's settings).</summary>
    public static byte[] Serialize(IReadOnlyList<string> pieces)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        for (int id = 0; id < pieces.Count; id++)
        {
            // ModelProto.pieces (1): SentencePiece { piece (1), score (2), type (3) }; ids as negative scores (each word has one possible merge at a time, so scores only order ties).
            var piece = new MemoryStream();
            var p = new CodedOutputStream(piece);
            p.WriteTag(1, WireFormat.WireType.LengthDelimited);
            p.WriteString(pieces[id]);
            p.WriteTag(2, WireFormat.WireType.Fixed32);
            p.WriteFloat(id < 3 ? 0f : -id);
            p.WriteTag(3, WireFormat.WireType.Varint);
            p.WriteEnum(id switch { 0 => 2, 1 or 2 => 3, _ => 1 }); // UNKNOWN, CONTROL, NORMAL
            p.Flush();
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(piece.ToArray()));
        }

        // ModelProto.trainer_spec (2): model_type BPE (3 = 2), vocab_size (4), unk/bos/eos/pad ids (40-43).
        var trainer = new MemoryStream();
        var t = new CodedOutputStream(trainer);
        t.WriteTag(3, WireFormat.WireType.Varint);
        t.WriteEnum(2);
        t.WriteTag(4, WireFormat.WireType.Varint);
        t.WriteInt32(pieces.Count);
        t.WriteTag(40, WireFormat.WireType.Varint);
        t.WriteInt32(0);
        t.WriteTag(41, WireFormat.WireType.Varint);
        t.WriteInt32(1);
        t.WriteTag(42, WireFormat.WireType.Varint);
        t.WriteInt32(2);
        t.WriteTag(43, WireFormat.WireType.Varint);
        t.WriteInt32(-1);
        t.Flush();
        output.WriteTag(2, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(trainer.ToArray()));

        // ModelProto.normalizer_spec (3): name (1) identity, add_dummy_prefix (3), remove_extra_whitespaces (4) false, escape_whitespaces (5).
        var normalizer = new MemoryStream();
        var n = new CodedOutputStream(normalizer);
        n.WriteTag(1, WireFormat.WireType.LengthDelimited);
        n.WriteString("identity");
        n.WriteTag(3, WireFormat.WireType.Varint);
        n.WriteBool(true);
        n.WriteTag(4, WireFormat.WireType.Varint);
        n.WriteBool(false);
        n.WriteTag(5, WireFormat.WireType.Varint);
        n.WriteBool(true);
        n.Flush();
        output.WriteTag(3, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(normalizer.ToArray()));
        output.Flush();
        return buffer.ToArray();
    }
}
