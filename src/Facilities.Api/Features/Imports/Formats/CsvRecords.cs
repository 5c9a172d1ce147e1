using System.Text;

namespace Facilities.Api.Features.Imports.Formats;

/// <summary>
/// A streaming CSV reader for partners' files as they really are: UTF-8 with or without a BOM, comma, semicolon or
/// tab (guessed from the header line), RFC 4180 quotes (doubled quotes, separators and line breaks inside quotes),
/// headers with stray spaces (compared trimmed and case-insensitively). One record at a time: a million-row file
/// never sits in memory.
/// </summary>
public sealed class CsvRecords : IRecordSource
{
    private readonly TextReader _reader;
    private readonly string[] _header;
    private readonly char _separator;

    public CsvRecords(Stream stream)
    {
        // detectEncodingFromByteOrderMarks removes a UTF-8 BOM (and honours a UTF-16 one); without a BOM, UTF-8.
        _reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var firstLine = PeekHeaderLine();
        _separator = GuessSeparator(firstLine);
        var header = ReadRecord();
        if (header is null || header.Count == 0 || header.All(string.IsNullOrWhiteSpace))
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
    }

    public IReadOnlyCollection<string>? DeclaredFields { get; }

    public char Separator => _separator;

    public IEnumerable<SourceRecord> Read(CancellationToken cancellationToken)
    {
        long row = 0;
        while (ReadRecord() is { } values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (values.Count == 1 && values[0].Length == 0)
            {
                continue; // blank line
            }
            row++;
            var fields = new Dictionary<string, string?>(_header.Length, StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < _header.Length; i++)
            {
                fields.TryAdd(_header[i], i < values.Count ? values[i] : null);
            }
            yield return new SourceRecord(row, fields)
            {
                Error = values.Count > _header.Length && values.Skip(_header.Length).Any(v => v.Trim().Length > 0)
                    ? $"{values.Count} fields where the header has {_header.Length}"
                    : null,
            };
        }
    }

    private string _pending = "";

    private string PeekHeaderLine()
    {
        // The separator is guessed from the first line outside quotes; the line is kept and parsed again below.
        var sb = new StringBuilder();
        var inQuotes = false;
        int c;
        while ((c = _reader.Read()) >= 0)
        {
            sb.Append((char)c);
            if (c == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (c == '\n' && !inQuotes)
            {
                break;
            }
        }
        _pending = sb.ToString();
        return _pending;
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

    private int _pendingIndex;

    private int Next()
    {
        if (_pendingIndex < _pending.Length)
        {
            return _pending[_pendingIndex++];
        }
        return _reader.Read();
    }

    private int Peek() => _pendingIndex < _pending.Length ? _pending[_pendingIndex] : _reader.Peek();

    private readonly StringBuilder _field = new();

    /// <summary>The next record's fields, or null at the end of the file.</summary>
    private List<string>? ReadRecord()
    {
        var c = Next();
        if (c < 0)
        {
            return null;
        }
        var values = new List<string>();
        _field.Clear();
        var inQuotes = false;
        while (true)
        {
            if (c < 0)
            {
                values.Add(_field.ToString());
                return values;
            }
            var ch = (char)c;
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (Peek() == '"')
                    {
                        Next();
                        _field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    _field.Append(ch);
                }
            }
            else if (ch == '"' && _field.ToString().Trim().Length == 0)
            {
                _field.Clear();
                inQuotes = true;
            }
            else if (ch == _separator)
            {
                values.Add(_field.ToString());
                _field.Clear();
            }
            else if (ch == '\r' && Peek() == '\n')
            {
                // the \n ends the record next time round
            }
            else if (ch == '\n')
            {
                values.Add(_field.ToString());
                return values;
            }
            else
            {
                _field.Append(ch);
            }
            c = Next();
        }
    }
}
