using System.Buffers.Binary;
using System.Security.Cryptography;
using Facilities.Api.Web;
using SkiaSharp;

namespace Facilities.Api.Features.Photos;

/// <summary>The image formats an upload may be, by their media type.</summary>
public enum PhotoFormat
{
    Jpeg,
    Png,
    Webp,
}

/// <summary>One stored rendition of a photo: JPEG bytes with no metadata block, their size and content hash.</summary>
public sealed record PhotoRendition(byte[] Bytes, int Width, int Height, string Sha256);

/// <summary>An upload turned into what is stored: the thumbnail and the display size, oriented, without metadata.</summary>
public sealed record PreparedPhoto(PhotoFormat Format, int SourceWidth, int SourceHeight, PhotoRendition Thumb, PhotoRendition Display);

/// <summary>
/// Turning an uploaded file into photos that are safe to serve. Nothing of the upload is kept: its pixels are decoded
/// and drawn onto a fresh canvas, so every metadata block (EXIF with GPS position and camera serial, XMP, IPTC, ICC,
/// comments) and anything hidden in the file is left behind. The checks run from the cheapest up, and the pixels are
/// decoded only after the header said the image is of a size worth decoding:
/// <list type="number">
/// <item>the declared type (the part's Content-Type, else its file name) must be the type its magic bytes say;</item>
/// <item>the file's structure is walked to the image's end (JPEG markers to EOI, PNG chunks to IEND, the RIFF size of
/// WebP) and nothing may follow it, so a zip or an HTML page appended to an image is refused; a zip directory or an
/// HTML/script tag anywhere in the file is refused too (a polyglot that hides one inside a metadata block);</item>
/// <item>the decoder reads the header only (<see cref="SKCodec"/> does not decode on creation) and the dimensions must be
/// within <see cref="MaxSide"/> and <see cref="MaxPixels"/>: a small PNG that declares 20,000 × 20,000 pixels would need
/// 1.6 GB once decoded;</item>
/// <item>then the pixels are decoded (a JPEG at a reduced scale when the display size needs no more), the EXIF orientation
/// applied, and each rendition encoded as JPEG on a canvas without a colour space, so no ICC profile is written.</item>
/// </list>
/// </summary>
public static class PhotoImages
{
    public const long MaxBytes = 15 * 1024 * 1024;
    public const int MaxSide = 12_000;
    public const long MaxPixels = 40_000_000;
    public const int ThumbSide = 320;
    public const int DisplaySide = 1600;
    private const int JpegQuality = 82;

    // Decoding takes up to MaxPixels × 4 bytes; one decode per core bounds the memory photos can take at once.
    private static readonly SemaphoreSlim Decoders = new(Math.Max(1, Environment.ProcessorCount));

    private static readonly byte[][] HiddenMarkers =
    [
        "PK\u0005\u0006"u8.ToArray(), // a zip's end-of-central-directory record: what makes a file open as an archive
        "<html"u8.ToArray(), "<script"u8.ToArray(), "<svg"u8.ToArray(), "<!doctype"u8.ToArray(), "<?php"u8.ToArray(), "<iframe"u8.ToArray(),
    ];

    /// <summary>The format a declared media type or file name names; null when it names none of the three.</summary>
    public static PhotoFormat? Declared(string? contentType, string? fileName)
    {
        var type = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (type is "image/jpeg" or "image/jpg" or "image/pjpeg")
        {
            return PhotoFormat.Jpeg;
        }
        if (type is "image/png")
        {
            return PhotoFormat.Png;
        }
        if (type is "image/webp")
        {
            return PhotoFormat.Webp;
        }
        // Browsers and curl send application/octet-stream for a type they do not know; then the name is the declaration.
        if (type is null or "" or "application/octet-stream")
        {
            return Path.GetExtension(fileName ?? "").ToLowerInvariant() switch
            {
                ".jpg" or ".jpeg" => PhotoFormat.Jpeg,
                ".png" => PhotoFormat.Png,
                ".webp" => PhotoFormat.Webp,
                _ => null,
            };
        }
        return null;
    }

    /// <summary>The format the file's first bytes say; null when they are none of the three.</summary>
    public static PhotoFormat? Magic(ReadOnlySpan<byte> file) =>
        file.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? PhotoFormat.Jpeg
        : file.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? PhotoFormat.Png
        : file.Length >= 12 && file.StartsWith("RIFF"u8) && file[8..12].SequenceEqual("WEBP"u8) ? PhotoFormat.Webp
        : null;

    /// <summary>
    /// Checks the upload and renders it; a refusal is a <see cref="DomainException"/> (415 for a file that is not one of
    /// the three types or not the type declared, 422 for a broken, oversized or polyglot image).
    /// </summary>
    public static async Task<PreparedPhoto> PrepareAsync(byte[] file, PhotoFormat declared, CancellationToken ct)
    {
        var format = Magic(file) ?? throw new DomainException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
            "The file is not a JPEG, PNG or WebP image.");
        if (format != declared)
        {
            throw new DomainException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"The file is declared as {declared.Name()} but its content is {format.Name()}.");
        }
        var end = ImageEnd(file, format) ?? throw Unprocessable("The image is cut short or its structure is broken.");
        for (var i = end; i < file.Length; i++)
        {
            // Zero padding after the end is common from cameras and harmless; anything else is another file riding along.
            if (file[i] != 0)
            {
                throw Unprocessable($"The file goes on after the image's end ({file.Length - end} bytes more): upload the image alone.");
            }
        }
        if (HidesAnotherFile(file))
        {
            throw Unprocessable("The file also carries an archive or a web page: upload the image alone.");
        }

        await Decoders.WaitAsync(ct);
        try
        {
            return Render(file, format);
        }
        finally
        {
            Decoders.Release();
        }
    }

    private static PreparedPhoto Render(byte[] file, PhotoFormat format)
    {
        using var data = SKData.CreateCopy(file);
        using var codec = SKCodec.Create(data) ?? throw Unprocessable("The image could not be read.");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width <= 0 || height <= 0 || width > MaxSide || height > MaxSide || (long)width * height > MaxPixels)
        {
            throw Unprocessable($"The image is {width} × {height} pixels; at most {MaxSide} pixels a side and {MaxPixels / 1_000_000} megapixels are accepted.");
        }
        var expected = format switch
        {
            PhotoFormat.Jpeg => SKEncodedImageFormat.Jpeg,
            PhotoFormat.Png => SKEncodedImageFormat.Png,
            _ => SKEncodedImageFormat.Webp,
        };
        if (codec.EncodedFormat != expected)
        {
            throw Unprocessable("The image's content is not the format its first bytes say.");
        }

        // A JPEG decodes at 1/2, 1/4 or 1/8 of its size for a fraction of the work, when that is still at least the display size.
        var wanted = Math.Min(1f, DisplaySide / (float)Math.Max(width, height));
        var scaled = codec.GetScaledDimensions(wanted);
        var size = Math.Max(scaled.Width, scaled.Height) >= Math.Min(DisplaySide, Math.Max(width, height)) ? scaled : new SKSizeI(width, height);
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul, SKColorSpace.CreateSrgb());
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw Unprocessable($"The image could not be decoded ({result}).");
        }
        bitmap.SetImmutable();
        using var image = SKImage.FromBitmap(bitmap);
        var origin = codec.EncodedOrigin;
        return new PreparedPhoto(format, width, height, Rendition(image, origin, ThumbSide), Rendition(image, origin, DisplaySide));
    }

    private static PhotoRendition Rendition(SKImage image, SKEncodedOrigin origin, int longSide)
    {
        var swaps = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (orientedWidth, orientedHeight) = swaps ? (image.Height, image.Width) : (image.Width, image.Height);
        var factor = Math.Min(1.0, longSide / (double)Math.Max(orientedWidth, orientedHeight));
        var width = Math.Max(1, (int)Math.Round(orientedWidth * factor));
        var height = Math.Max(1, (int)Math.Round(orientedHeight * factor));

        // No colour space on the canvas: the sRGB pixels are written as they are, and the encoder writes no ICC profile.
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("No raster surface");
        var canvas = surface.Canvas;
        // JPEG has no transparency: a transparent PNG shows on white rather than black.
        canvas.Clear(SKColors.White);
        canvas.Scale(width / (float)orientedWidth, height / (float)orientedHeight);
        canvas.Concat(Orientation(origin, image.Width, image.Height));
        using (var paint = new SKPaint())
        {
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), paint);
        }
        canvas.Flush();
        using var pixels = surface.PeekPixels();
        using var encoded = pixels.Encode(new SKJpegEncoderOptions(JpegQuality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore))
            ?? throw new InvalidOperationException("JPEG encoding failed");
        var bytes = encoded.ToArray();
        return new PhotoRendition(bytes, width, height, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    /// <summary>
    /// The matrix that draws the stored pixels (w × h) the way EXIF orientation says they are seen. Skia's matrix maps
    /// x' = ScaleX·x + SkewX·y + TransX, y' = SkewY·x + ScaleY·y + TransY; y points down.
    /// </summary>
    internal static SKMatrix Orientation(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1), // mirrored left to right
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1), // turned 180°
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1), // mirrored top to bottom
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1), // transposed
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1), // to be turned 90° clockwise
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1), // transverse
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1), // to be turned 90° anticlockwise
        _ => SKMatrix.Identity,
    };

    /// <summary>The offset just past the image's last byte by its own structure; null when the structure is broken.</summary>
    internal static int? ImageEnd(ReadOnlySpan<byte> file, PhotoFormat format) => format switch
    {
        PhotoFormat.Jpeg => JpegEnd(file),
        PhotoFormat.Png => PngEnd(file),
        _ => WebpEnd(file),
    };

    // Markers from SOI to EOI. Each segment has a 2-byte big-endian length that counts itself; after a start of scan
    // the entropy-coded data runs to the next marker that is not a stuffed FF 00 or a restart marker (FF D0..D7).
    private static int? JpegEnd(ReadOnlySpan<byte> file)
    {
        var i = 2;
        while (true)
        {
            if (i >= file.Length || file[i] != 0xFF)
            {
                return null;
            }
            while (i < file.Length && file[i] == 0xFF)
            {
                i++;
            }
            if (i >= file.Length)
            {
                return null;
            }
            var marker = file[i++];
            if (marker == 0xD9)
            {
                return i;
            }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                continue;
            }
            if (i + 2 > file.Length)
            {
                return null;
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(file[i..]);
            if (length < 2 || i + length > file.Length)
            {
                return null;
            }
            i += length;
            if (marker != 0xDA)
            {
                continue;
            }
            while (true)
            {
                var next = file[i..].IndexOf((byte)0xFF);
                if (next < 0 || i + next + 1 >= file.Length)
                {
                    return null;
                }
                i += next;
                var after = file[i + 1];
                if (after == 0x00 || after is >= 0xD0 and <= 0xD7 || after == 0xFF)
                {
                    i += after == 0xFF ? 1 : 2;
                    continue;
                }
                break;
            }
        }
    }

    // Chunks after the 8-byte signature: 4-byte length, 4-byte type, data, 4-byte CRC, up to and including IEND.
    private static int? PngEnd(ReadOnlySpan<byte> file)
    {
        long i = 8;
        var first = true;
        while (i + 12 <= file.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(file[(int)i..]);
            var type = file.Slice((int)i + 4, 4);
            if (first && !type.SequenceEqual("IHDR"u8))
            {
                return null;
            }
            first = false;
            var next = i + 12 + length;
            if (next > file.Length)
            {
                return null;
            }
            if (type.SequenceEqual("IEND"u8))
            {
                return (int)next;
            }
            i = next;
        }
        return null;
    }

    // RIFF: "RIFF", the little-endian size of what follows the size field, "WEBP"; an odd size is padded to even.
    private static int? WebpEnd(ReadOnlySpan<byte> file)
    {
        var size = (long)BinaryPrimitives.ReadUInt32LittleEndian(file[4..]);
        var end = 8 + size + (size & 1);
        return size < 4 || end > file.Length ? null : (int)end;
    }

    private static bool HidesAnotherFile(ReadOnlySpan<byte> file)
    {
        foreach (var marker in HiddenMarkers)
        {
            if (marker[0] == (byte)'<' ? ContainsIgnoringCase(file, marker) : file.IndexOf(marker) >= 0)
            {
                return true;
            }
        }
        return false;
    }

    private static bool ContainsIgnoringCase(ReadOnlySpan<byte> file, ReadOnlySpan<byte> lowerMarker)
    {
        var from = 0;
        while (from < file.Length)
        {
            var at = file[from..].IndexOf((byte)'<');
            if (at < 0)
            {
                return false;
            }
            var start = from + at;
            if (start + lowerMarker.Length <= file.Length && System.Text.Ascii.EqualsIgnoreCase(file.Slice(start, lowerMarker.Length), lowerMarker))
            {
                return true;
            }
            from = start + 1;
        }
        return false;
    }

    private static DomainException Unprocessable(string detail) =>
        new(StatusCodes.Status422UnprocessableEntity, "Not a usable image", detail);
}
