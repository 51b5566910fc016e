//! One exported function that exercises what PAdES signing needs from lopdf: read a PDF,
//! clone the catalog into an incremental update, add an object, save.
use lopdf::{Dictionary, IncrementalDocument, Object};

#[unsafe(no_mangle)]
pub extern "C" fn update(ptr: *const u8, len: usize, out: *mut u8, cap: usize) -> usize {
    // SAFETY: measurement only; the caller passes valid buffers.
    let input = unsafe { std::slice::from_raw_parts(ptr, len) };
    let Ok(mut inc) = TryInto::<IncrementalDocument>::try_into(input) else { return 0 };
    let Ok(root) = inc.get_prev_documents().trailer.get(b"Root").and_then(Object::as_reference) else { return 0 };
    let _ = inc.opt_clone_object_to_new_document(root);
    let id = inc.new_document.add_object(Dictionary::from_iter(vec![("Type", Object::Name(b"Sig".to_vec()))]));
    if let Ok(Object::Dictionary(d)) = inc.new_document.get_object_mut(root) {
        d.set("X", Object::Reference(id));
    }
    let mut v = Vec::new();
    if inc.save_to(&mut v).is_err() { return 0 }
    let n = v.len().min(cap);
    // SAFETY: as above.
    unsafe { std::ptr::copy_nonoverlapping(v.as_ptr(), out, n) };
    n
}
