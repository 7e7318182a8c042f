# Report parsing (ARF, X-ARF, XARF): see issue "Report parsing".
