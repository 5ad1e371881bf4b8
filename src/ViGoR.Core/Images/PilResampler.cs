namespace ViGoR;

/// <summary>
/// The resampling filters of PIL's <c>Image.resize</c>, by their PIL enum values (the numbers
/// Hugging Face <c>preprocessor_config.json</c> files store under <c>resample</c>).
/// </summary>
public enum PilResample
{
    /// <summary>Nearest neighbour (not supported by <see cref="PilResampler"/>).</summary>
    Nearest = 0,

    /// <summary>Lanczos, support 3.</summary>
    Lanczos = 1,

    /// <summary>Bilinear (triangle), support 1.</summary>
    Bilinear = 2,

    /// <summary>Bicubic (a = -0.5), support 2.</summary>
    Bicubic = 3,

    /// <summary>Box, support 0.5.</summary>
    Box = 4,

    /// <summary>Hamming, support 1.</summary>
    Hamming = 5,
}

/// <summary>
/// PIL's convolution resize of 8-bit RGB (<c>Resample.c</c>, <c>reducing_gap=None</c>): separable,
/// horizontal pass first, filter support widened by the downscale factor (so downscaling
/// antialiases), coefficients in 22-bit fixed point, rounding and clipping to 8 bits after each
/// pass. Transformers resizes Grounding DINO inputs as PIL images, so this reproduces its pixels
/// exactly rather than approximately; so do CLIP's (LLaVA's) bicubic resizes. Shared by the
/// detector and LLaVA preprocessing.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class PilResampler
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes interleaved RGB bytes to <paramref name="outWidth"/> x <paramref name="outHeight"/>.</summary>
    public static byte[] Resize(ReadOnlySpan<byte> rgb, int width, int height, int outWidth, int outHeight, PilResample filter)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outHeight);
        if (filter == PilResample.Nearest)
        {
            throw new NotSupportedException("PIL's NEAREST resampling (resample = 0) is not supported; use BILINEAR (2) or BICUBIC (3), the Grounding DINO and CLIP processors' defaults.");
        }

        var (support, kernel) = Filter(filter);
        var needHorizontal = outWidth != width;
        var needVertical = outHeight != height;
        if (!needHorizontal && !needVertical)
        {
            return rgb.ToArray();
        }

        var (ksizeH, boundsH, kkH) = PrecomputeCoefficients(width, outWidth, support, kernel);
        var (ksizeV, boundsV, kkV) = PrecomputeCoefficients(height, outHeight, support, kernel);

        byte[] source = rgb.ToArray();
        if (needHorizontal)
        {
            // Only the rows the vertical pass reads are resampled, as PIL does.
            var firstRow = boundsV[0];
            var lastRow = boundsV[(outHeight * 2) - 2] + boundsV[(outHeight * 2) - 1];
            if (!needVertical)
            {
                firstRow = 0;
                lastRow = height;
            }

            var rows = lastRow - firstRow;
            var temp = new byte[rows * outWidth * 3];
            ResampleHorizontal(source, width, firstRow, rows, temp, outWidth, ksizeH, boundsH, kkH);
            if (needVertical)
            {
                for (var i = 0; i < outHeight; i++)
                {
                    boundsV[i * 2] -= firstRow;
                }
            }

            source = temp;
            width = outWidth;
        }

        if (!needVertical)
        {
            return source;
        }

        var result = new byte[outWidth * outHeight * 3];
        ResampleVertical(source, width, result, outHeight, ksizeV, boundsV, kkV);
        return result;
    }

    private static (double Support, Func<double, double> Kernel) Filter(PilResample filter) => filter switch
    {
        PilResample.Bilinear => (1.0, static x =>
        {
            x = Math.Abs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        }),
        PilResample.Bicubic => (2.0, static x =>
        {
            const double a = -0.5;
            x = Math.Abs(x);
            if (x < 1.0)
            {
                return ((((a + 2.0) * x) - (a + 3.0)) * x * x) + 1;
            }

            return x < 2.0 ? ((((x - 5) * x) + 8) * x - 4) * a : 0.0;
        }),
        PilResample.Box => (0.5, static x => x > -0.5 && x <= 0.5 ? 1.0 : 0.0),
        PilResample.Hamming => (1.0, static x =>
        {
            x = Math.Abs(x);
            if (x == 0.0)
            {
                return 1.0;
            }

            if (x >= 1.0)
            {
                return 0.0;
            }

            x *= Math.PI;
            return Math.Sin(x) / x * (0.54f + (0.46f * Math.Cos(x))); // PIL uses float constants here
        }),
        PilResample.Lanczos => (3.0, static x => x is > -3.0 and < 3.0 ? Sinc(x) * Sinc(x / 3.0) : 0.0),
        _ => throw new NotSupportedException($"Unknown PIL resampling filter {(int)filter}; expected 0-5."),
    };

    private static double Sinc(double x)
    {
        if (x == 0.0)
        {
            return 1.0;
        }

        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    private static (int KernelSize, int[] Bounds, int[] Coefficients) PrecomputeCoefficients(
        int inSize, int outSize, double filterSupport, Func<double, double> kernel)
    {
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = filterSupport * filterScale;
        var ksize = ((int)Math.Ceiling(support) * 2) + 1;
        var bounds = new int[outSize * 2];
        var weights = new double[outSize * ksize];
        for (var xx = 0; xx < outSize; xx++)
        {
            var center = (xx + 0.5) * scale;
            var ss = 1.0 / filterScale;
            var xmin = (int)(center - support + 0.5);
            if (xmin < 0)
            {
                xmin = 0;
            }

            var xmax = (int)(center + support + 0.5);
            if (xmax > inSize)
            {
                xmax = inSize;
            }

            xmax -= xmin;
            var ww = 0.0;
            var k = weights.AsSpan(xx * ksize, ksize);
            for (var x = 0; x < xmax; x++)
            {
                var w = kernel((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }

            for (var x = 0; x < xmax; x++)
            {
                if (ww != 0.0)
                {
                    k[x] /= ww;
                }
            }

            bounds[xx * 2] = xmin;
            bounds[(xx * 2) + 1] = xmax;
        }

        var fixedPoint = new int[weights.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            var scaled = weights[i] * (1 << PrecisionBits);
            fixedPoint[i] = (int)(weights[i] < 0 ? -0.5 + scaled : 0.5 + scaled);
        }

        return (ksize, bounds, fixedPoint);
    }

    private static byte Clip8(int value)
    {
        if (value >= (1 << PrecisionBits << 8))
        {
            return 255;
        }

        return value <= 0 ? (byte)0 : (byte)(value >> PrecisionBits);
    }

    private static void ResampleHorizontal(
        byte[] source, int width, int firstRow, int rows, byte[] target, int outWidth, int ksize, int[] bounds, int[] kk)
    {
        for (var y = 0; y < rows; y++)
        {
            var src = source.AsSpan((y + firstRow) * width * 3, width * 3);
            var dst = target.AsSpan(y * outWidth * 3, outWidth * 3);
            for (var xx = 0; xx < outWidth; xx++)
            {
                var xmin = bounds[xx * 2];
                var k = kk.AsSpan(xx * ksize, bounds[(xx * 2) + 1]);
                var taps = src.Slice(xmin * 3, k.Length * 3);
                int s0 = 1 << (PrecisionBits - 1), s1 = s0, s2 = s0;
                for (var x = 0; x < k.Length; x++)
                {
                    var w = k[x];
                    s0 += taps[x * 3] * w;
                    s1 += taps[(x * 3) + 1] * w;
                    s2 += taps[(x * 3) + 2] * w;
                }

                dst[xx * 3] = Clip8(s0);
                dst[(xx * 3) + 1] = Clip8(s1);
                dst[(xx * 3) + 2] = Clip8(s2);
            }
        }
    }

    private static void ResampleVertical(byte[] source, int width, byte[] target, int outHeight, int ksize, int[] bounds, int[] kk)
    {
        // Row-wise accumulation (same sums as PIL's per-pixel loop, in an order that reads memory sequentially).
        var stride = width * 3;
        var sums = new int[stride];
        for (var yy = 0; yy < outHeight; yy++)
        {
            var ymin = bounds[yy * 2];
            var ymax = bounds[(yy * 2) + 1];
            var kOffset = yy * ksize;
            Array.Fill(sums, 1 << (PrecisionBits - 1));
            for (var y = 0; y < ymax; y++)
            {
                var k = kk[kOffset + y];
                var row = source.AsSpan((y + ymin) * stride, stride);
                for (var x = 0; x < row.Length; x++)
                {
                    sums[x] += row[x] * k;
                }
            }

            var dst = target.AsSpan(yy * stride, stride);
            for (var x = 0; x < dst.Length; x++)
            {
                dst[x] = Clip8(sums[x]);
            }
        }
    }
}
