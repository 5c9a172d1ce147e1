using System.Text;
using nietras.SeparatedValues;

namespace Facilities.Api.Features.Imports.Formats;

/// <summary>
/// Partners' CSV files as they really are, read with Sep: UTF-8 with or without a BOM (a UTF-16 BOM is honoured),
/// comma, semicolon or tab (guessed from the header line), RFC 4180 quotes (doubled quotes, separators and line
/// breaks inside quotes), headers with stray spaces (compared trimmed and case-insensitively), blank lines skipped,
/// short rows padded with empty fields. One record at a time: a million-row file never sits in memory.
/// </summary>
public sealed class CsvRecords : IRecordSource, IDisposable
{
    private readonly StreamReader _text;
    private readonly SepReader _rows;
    private readonly string[] _header;

    public CsvRecords(Stream stream)
    {
        // detectEncodingFromByteOrderMarks removes a UTF-8 BOM (and honours a UTF-16 one); without a BOM, UTF-8.
        _text = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        // The header is read here, so that the separator is guessed from it outside quotes the way a person would
        // (Sep's own detection takes the first of its candidates that occurs, not the most frequent).
        var headerLine = HeaderLine(_text);
        Separator = GuessSeparator(headerLine);
        string[] header = [];
        using (var headerReader = Options(Separator).FromText(headerLine))
        {
            if (headerReader.MoveNext())
            {
                header = Fields(headerReader.Current);
            }
        }
        if (header.Length == 0 || header.All(string.IsNullOrWhiteSpace))
        {
            throw new ImportFileException("The CSV file is empty: it has no header line.");
        }
        if (header.Any(h => h.Contains('\0', StringComparison.Ordinal)))
        {
            // PostgreSQL's text cannot hold U+0000, and no text file's header has one: this is a binary file or not UTF-8.
            throw new ImportFileException("The CSV header contains a NUL character (U+0000): the file is not UTF-8 text (a binary file, " +
                                          "or UTF-16 without a byte order mark?).");
        }
        _header = [.. header.Select(h => h.Trim())];
        DeclaredFields = _header;
        _rows = Options(Separator).From(_text);
    }

    public IReadOnlyCollection<string>? DeclaredFields { get; }

    public char Separator { get; }

    public IEnumerable<SourceRecord> Read(CancellationToken cancellationToken)
    {
        long row = 0;
        while (_rows.MoveNext())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Record(_rows.Current, row + 1) is not { } record)
            {
                continue; // blank line
            }
            row++;
            yield return record;
        }
    }

    public void Dispose()
    {
        _rows.Dispose();
        _text.Dispose();
    }

    /// <summary>Quotes are unescaped and the spaces around a field (outside its quotes) dropped; rows may be short or long.</summary>
    private static SepReaderOptions Options(char separator) => Sep.New(separator).Reader(o => o with
    {
        HasHeader = false,
        Unescape = true,
        Trim = SepTrim.Outer,
        DisableColCountCheck = true,
    });

    private SourceRecord? Record(SepReader.Row values, long row)
    {
        if (values.ColCount == 1 && values[0].Span.IsEmpty)
        {
            return null;
        }
        var fields = new Dictionary<string, string?>(_header.Length, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < _header.Length; i++)
        {
            fields.TryAdd(_header[i], i < values.ColCount ? values[i].ToString() : null);
        }
        var extra = false;
        for (var i = _header.Length; i < values.ColCount && !extra; i++)
        {
            extra = !values[i].Span.IsWhiteSpace();
        }
        return new SourceRecord(row, fields)
        {
            Error = extra ? $"{values.ColCount} fields where the header has {_header.Length}" : null,
        };
    }

    private static string[] Fields(SepReader.Row row)
    {
        var fields = new string[row.ColCount];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = row[i].ToString();
        }
        return fields;
    }

    /// <summary>The first line, up to its line break outside quotes (a quoted header name may hold one).</summary>
    private static string HeaderLine(TextReader reader)
    {
        var line = new StringBuilder();
        var inQuotes = false;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (c == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (c is '\n' or '\r' && !inQuotes)
            {
                if (c == '\r' && reader.Peek() == '\n')
                {
                    reader.Read();
                }
                break;
            }
            line.Append((char)c);
        }
        return line.ToString();
    }

    private static char GuessSeparator(string line)
    {
        int comma = 0, semicolon = 0, tab = 0;
        var inQuotes = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (!inQuotes)
            {
                switch (c)
                {
                    case ',': comma++; break;
                    case ';': semicolon++; break;
                    case '\t': tab++; break;
                }
            }
        }
        return tab > comma && tab >= semicolon ? '\t' : semicolon > comma ? ';' : ',';
    }
}
