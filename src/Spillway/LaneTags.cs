namespace Spillway;

/// <summary>
/// The tags of one lane's tagged messages: (index in the lane's storage, tag) pairs in append order. Created on a lane's
/// first tagged append and handed to the reader together with the lane's storage at every swap, so the positions stay
/// valid and the steady state allocates nothing.
/// </summary>
/// <remarks>
/// Thread-safety: none of its own. A lane's list is touched only under that lane's lock; once swapped out it belongs to
/// the single reader, like the batch it describes.
/// </remarks>
internal sealed class LaneTags
{
    private const int InitialCapacity = 4;

    private int[] _indices = new int[InitialCapacity];
    private object[] _tags = new object[InitialCapacity];
    private int _count;

    /// <summary>Gets how many tags are recorded.</summary>
    public int Count => _count;

    /// <summary>Gets how many tags fit before the list grows (trimmed like lane storage).</summary>
    public int Capacity => _tags.Length;

    /// <summary>Gets the storage index of the <paramref name="position"/>-th tagged message.</summary>
    public int IndexAt(int position) => _indices[position];

    /// <summary>Gets the tag of the <paramref name="position"/>-th tagged message.</summary>
    public object TagAt(int position) => _tags[position];

    /// <summary>Records <paramref name="tag"/> for the message at <paramref name="index"/>; indices must grow.</summary>
    public void Add(int index, object tag)
    {
        var count = _count;
        if (count == _tags.Length)
        {
            Array.Resize(ref _indices, count * 2);
            Array.Resize(ref _tags, count * 2);
        }

        _indices[count] = index;
        _tags[count] = tag;
        _count = count + 1;
    }

    /// <summary>Adds the tags of the messages at <paramref name="fromIndex"/> and later to <paramref name="destination"/>.</summary>
    public void CopyTagsFrom(int fromIndex, List<object> destination)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_indices[i] >= fromIndex)
            {
                destination.Add(_tags[i]);
            }
        }
    }

    /// <summary>Forgets every tag, so the list holds no references.</summary>
    public void Clear()
    {
        Array.Clear(_tags, 0, _count);
        _count = 0;
    }
}
