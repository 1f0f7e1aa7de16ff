// Placeholder translation unit so the component library exists before its code lands.
namespace rgflow {}
