namespace ViGoR.Torch.Processing;

/// <summary>
/// Resizes 8-bit RGB the way Pillow's <c>Image.resize</c> does for BICUBIC and BILINEAR (Resample.c):
/// separable convolution with the filter widened by the downscale factor (antialiasing), coefficients
/// in 22-bit fixed point, horizontal pass first into an 8-bit image, then vertical, rounding and
/// clipping after each pass. Hugging Face's CLIPImageProcessor resizes through Pillow, so matching it
/// makes pixel values agree with Python.
/// </summary>
internal static class PilResampler
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Pillow's resample filter ids (as in <c>preprocessor_config.json</c> "resample").</summary>
    public const int Bilinear = 2;

    /// <summary>Pillow's BICUBIC.</summary>
    public const int Bicubic = 3;

    public static byte[] Resize(ReadOnlySpan<byte> rgb, int width, int height, int newWidth, int newHeight, int filter)
    {
        (Func<double, double> f, double support) = filter switch
        {
            Bicubic => ((Func<double, double>)BicubicFilter, 2.0),
            Bilinear => (BilinearFilter, 1.0),
            _ => throw new NotSupportedException($"Resample filter {filter} is not supported (2 = bilinear, 3 = bicubic)."),
        };

        bool horizontal = newWidth != width;
        bool vertical = newHeight != height;
        var (boundsH, kkH, ksizeH) = Coefficients(width, newWidth, f, support);
        var (boundsV, kkV, ksizeV) = Coefficients(height, newHeight, f, support);

        byte[] source = rgb.ToArray();
        int srcH = height;
        if (horizontal)
        {
            int first = boundsV[0];
            int last = boundsV[(newHeight * 2) - 2] + boundsV[(newHeight * 2) - 1];
            for (int i = 0; i < newHeight; i++)
            {
                boundsV[i * 2] -= first;
            }

            int rows = last - first;
            var temp = new byte[newWidth * rows * 3];
            for (int y = 0; y < rows; y++)
            {
                int inRow = (y + first) * width * 3;
                for (int x = 0; x < newWidth; x++)
                {
                    int xmin = boundsH[x * 2], xmax = boundsH[(x * 2) + 1];
                    int k = x * ksizeH;
                    for (int c = 0; c < 3; c++)
                    {
                        int ss = 1 << (PrecisionBits - 1);
                        for (int i = 0; i < xmax; i++)
                        {
                            ss += source[inRow + ((i + xmin) * 3) + c] * kkH[k + i];
                        }

                        temp[(((y * newWidth) + x) * 3) + c] = Clip8(ss);
                    }
                }
            }

            source = temp;
            srcH = rows;
            width = newWidth;
        }

        if (!vertical)
        {
            if (horizontal && srcH != newHeight)
            {
                throw new InvalidOperationException("Pillow resample bounds mismatch.");
            }

            return source;
        }

        var output = new byte[newWidth * newHeight * 3];
        for (int y = 0; y < newHeight; y++)
        {
            int ymin = boundsV[y * 2], ymax = boundsV[(y * 2) + 1];
            int k = y * ksizeV;
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    int ss = 1 << (PrecisionBits - 1);
                    for (int i = 0; i < ymax; i++)
                    {
                        ss += source[((((i + ymin) * width) + x) * 3) + c] * kkV[k + i];
                    }

                    output[(((y * width) + x) * 3) + c] = Clip8(ss);
                }
            }
        }

        return output;
    }

    private static byte Clip8(int value)
    {
        int v = value >> PrecisionBits;
        return (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
    }

    private static (int[] Bounds, int[] Kk, int KSize) Coefficients(int inSize, int outSize, Func<double, double> filter, double filterSupport)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterSupport * filterScale;
        int ksize = ((int)Math.Ceiling(support) * 2) + 1;
        var bounds = new int[outSize * 2];
        var kk = new int[outSize * ksize];
        var pre = new double[ksize];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            double ww = 0.0;
            double ss = 1.0 / filterScale;
            int xmin = (int)(center - support + 0.5);
            if (xmin < 0)
            {
                xmin = 0;
            }

            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize)
            {
                xmax = inSize;
            }

            xmax -= xmin;
            for (int x = 0; x < xmax; x++)
            {
                double w = filter((x + xmin - center + 0.5) * ss);
                pre[x] = w;
                ww += w;
            }

            for (int x = 0; x < xmax; x++)
            {
                double w = ww != 0.0 ? pre[x] / ww : pre[x];
                kk[(xx * ksize) + x] = w < 0 ? (int)(-0.5 + (w * (1 << PrecisionBits))) : (int)(0.5 + (w * (1 << PrecisionBits)));
            }

            bounds[xx * 2] = xmin;
            bounds[(xx * 2) + 1] = xmax;
        }

        return (bounds, kk, ksize);
    }

    private static double BicubicFilter(double x)
    {
        const double a = -0.5;
        if (x < 0.0)
        {
            x = -x;
        }

        if (x < 1.0)
        {
            return ((((a + 2.0) * x) - (a + 3.0)) * x * x) + 1;
        }

        if (x < 2.0)
        {
            return ((((x - 5) * x) + 8) * x - 4) * a;
        }

        return 0.0;
    }

    private static double BilinearFilter(double x)
    {
        if (x < 0.0)
        {
            x = -x;
        }

        return x < 1.0 ? 1.0 - x : 0.0;
    }
}
