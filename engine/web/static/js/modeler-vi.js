/* bpmn-js's own words (palette, context pad, replace menu, popup titles, search, align/distribute, lanes) in
   Vietnamese, for the administrators' modeler (modeler.js). bpmn-js hands each English template, with its
   {name} replacements, to a "translate" service; modeler.js gives it this table when the page is Vietnamese
   (<html lang="vi">) and leaves English pages in English. A template missing here stays English. The terms
   follow the rest of the modeler and of the pages: bước xử lý (task: the properties panel's and the procedure
   pages' word for a step of the model; "công việc" is an officer's work item in the inbox), sự kiện (event),
   cổng (gateway), làn (lane). */
(function () {
  "use strict";
  var nonInterrupting = " (không ngắt)";
  var vi = {
    // the palette
    "Activate hand tool": "Bật công cụ bàn tay (kéo sơ đồ)",
    "Activate lasso tool": "Bật công cụ chọn vùng (lasso)",
    "Activate create/remove space tool": "Bật công cụ thêm/bớt khoảng trống",
    "Activate global connect tool": "Bật công cụ nối hai phần tử",
    "Create start event": "Tạo sự kiện bắt đầu",
    "Create intermediate/boundary event": "Tạo sự kiện trung gian/sự kiện biên",
    "Create end event": "Tạo sự kiện kết thúc",
    "Create gateway": "Tạo cổng",
    "Create task": "Tạo bước xử lý",
    "Create data object reference": "Tạo tham chiếu đối tượng dữ liệu",
    "Create data store reference": "Tạo tham chiếu kho dữ liệu",
    "Create expanded sub-process": "Tạo quy trình con (mở rộng)",
    "Create pool/participant": "Tạo vùng/bên tham gia (pool)",
    "Create group": "Tạo nhóm",
    // the context pad
    "Append end event": "Nối tiếp sự kiện kết thúc",
    "Append gateway": "Nối tiếp cổng",
    "Append task": "Nối tiếp bước xử lý",
    "Append intermediate/boundary event": "Nối tiếp sự kiện trung gian/sự kiện biên",
    "Append receive task": "Nối tiếp bước xử lý nhận thông điệp",
    "Append message intermediate catch event": "Nối tiếp sự kiện trung gian chờ thông điệp",
    "Append timer intermediate catch event": "Nối tiếp sự kiện trung gian hẹn giờ",
    "Append conditional intermediate catch event": "Nối tiếp sự kiện trung gian chờ điều kiện",
    "Append signal intermediate catch event": "Nối tiếp sự kiện trung gian chờ tín hiệu",
    "Append compensation activity": "Nối tiếp hoạt động bù trừ",
    "Add text annotation": "Thêm chú thích",
    "Connect to other element": "Nối với phần tử khác",
    "Connect using association": "Nối bằng liên kết (association)",
    "Connect using data input association": "Nối bằng liên kết dữ liệu vào",
    "Change element": "Đổi loại phần tử",
    "Delete": "Xóa",
    "Add lane above": "Thêm làn phía trên",
    "Add lane below": "Thêm làn phía dưới",
    "Divide into two lanes": "Chia thành hai làn",
    "Divide into three lanes": "Chia thành ba làn",
    "Open {element}": "Mở {element}",
    "Data object must be placed within a pool/participant.":
      "Đối tượng dữ liệu phải đặt trong một vùng/bên tham gia (pool).",
    // several elements selected: align, distribute
    "Align elements": "Căn chỉnh các phần tử",
    "Align elements left": "Căn trái",
    "Align elements center": "Căn giữa theo chiều ngang",
    "Align elements right": "Căn phải",
    "Align elements top": "Căn trên",
    "Align elements middle": "Căn giữa theo chiều dọc",
    "Align elements bottom": "Căn dưới",
    "Distribute elements horizontally": "Dàn đều các phần tử theo chiều ngang",
    "Distribute elements vertically": "Dàn đều các phần tử theo chiều dọc",
    // search (Ctrl+F)
    "Search in diagram": "Tìm trong sơ đồ",
    // the replace menu's header: markers of an activity, of an event, of a data object, of a pool
    "Toggle non-interrupting": "Bật/tắt không ngắt (non-interrupting)",
    "Loop": "Lặp",
    "Parallel multi-instance": "Nhiều lần song song (multi-instance)",
    "Sequential multi-instance": "Nhiều lần tuần tự (multi-instance)",
    "Collection": "Tập hợp",
    "Participant multiplicity": "Nhiều bên tham gia",
    // the replace menu: tasks and activities
    "Task": "Bước xử lý",
    "User task": "Bước xử lý do người thực hiện",
    "Service task": "Bước xử lý dịch vụ (tự động)",
    "Send task": "Bước xử lý gửi thông điệp",
    "Receive task": "Bước xử lý nhận thông điệp",
    "Manual task": "Bước xử lý thủ công",
    "Business rule task": "Bước xử lý theo quy tắc nghiệp vụ",
    "Script task": "Bước xử lý chạy kịch bản (script)",
    "Call activity": "Gọi quy trình khác (call activity)",
    "Sub-process": "Quy trình con",
    "Sub-process (collapsed)": "Quy trình con (thu gọn)",
    "Sub-process (expanded)": "Quy trình con (mở rộng)",
    "Ad-hoc sub-process": "Quy trình con tùy biến (ad-hoc)",
    "Ad-hoc sub-process (collapsed)": "Quy trình con tùy biến (ad-hoc, thu gọn)",
    "Ad-hoc sub-process (expanded)": "Quy trình con tùy biến (ad-hoc, mở rộng)",
    "Event sub-process": "Quy trình con theo sự kiện",
    "Transaction": "Giao dịch (transaction)",
    // events
    "Start event": "Sự kiện bắt đầu",
    "End event": "Sự kiện kết thúc",
    "Intermediate throw event": "Sự kiện trung gian",
    "Boundary event": "Sự kiện biên",
    "Message start event": "Sự kiện bắt đầu bằng thông điệp",
    "Timer start event": "Sự kiện bắt đầu hẹn giờ",
    "Conditional start event": "Sự kiện bắt đầu theo điều kiện",
    "Signal start event": "Sự kiện bắt đầu bằng tín hiệu",
    "Error start event": "Sự kiện bắt đầu khi có lỗi",
    "Escalation start event": "Sự kiện bắt đầu khi chuyển cấp",
    "Compensation start event": "Sự kiện bắt đầu bù trừ",
    "Message intermediate catch event": "Sự kiện trung gian chờ thông điệp",
    "Message intermediate throw event": "Sự kiện trung gian gửi thông điệp",
    "Timer intermediate catch event": "Sự kiện trung gian hẹn giờ",
    "Conditional intermediate catch event": "Sự kiện trung gian chờ điều kiện",
    "Signal intermediate catch event": "Sự kiện trung gian chờ tín hiệu",
    "Signal intermediate throw event": "Sự kiện trung gian phát tín hiệu",
    "Escalation intermediate throw event": "Sự kiện trung gian chuyển cấp",
    "Compensation intermediate throw event": "Sự kiện trung gian bù trừ",
    "Link intermediate catch event": "Sự kiện trung gian nhận liên kết",
    "Link intermediate throw event": "Sự kiện trung gian chuyển liên kết",
    "Message end event": "Sự kiện kết thúc gửi thông điệp",
    "Escalation end event": "Sự kiện kết thúc chuyển cấp",
    "Error end event": "Sự kiện kết thúc báo lỗi",
    "Cancel end event": "Sự kiện kết thúc hủy giao dịch",
    "Compensation end event": "Sự kiện kết thúc bù trừ",
    "Signal end event": "Sự kiện kết thúc phát tín hiệu",
    "Terminate end event": "Sự kiện kết thúc chấm dứt toàn bộ",
    "Message boundary event": "Sự kiện biên thông điệp",
    "Timer boundary event": "Sự kiện biên hẹn giờ",
    "Escalation boundary event": "Sự kiện biên chuyển cấp",
    "Conditional boundary event": "Sự kiện biên theo điều kiện",
    "Error boundary event": "Sự kiện biên lỗi",
    "Cancel boundary event": "Sự kiện biên hủy giao dịch",
    "Signal boundary event": "Sự kiện biên tín hiệu",
    "Compensation boundary event": "Sự kiện biên bù trừ",
    // gateways
    "Exclusive gateway": "Cổng rẽ nhánh loại trừ",
    "Parallel gateway": "Cổng song song",
    "Inclusive gateway": "Cổng rẽ nhánh bao hàm",
    "Complex gateway": "Cổng phức hợp",
    "Event-based gateway": "Cổng theo sự kiện",
    // flows
    "Sequence flow": "Luồng tuần tự",
    "Default flow": "Luồng mặc định",
    "Conditional flow": "Luồng có điều kiện",
    // data, pools
    "Data object reference": "Tham chiếu đối tượng dữ liệu",
    "Data store reference": "Tham chiếu kho dữ liệu",
    "Expanded pool/participant": "Vùng/bên tham gia (mở rộng)",
    "Empty pool/participant": "Vùng/bên tham gia (rỗng)"
  };
  // the "(non-interrupting)" variants of the start and boundary events: the same words, "không ngắt" after
  ["Message", "Timer", "Conditional", "Signal", "Escalation"].forEach(function (kind) {
    ["start", "boundary"].forEach(function (where) {
      var english = kind + " " + where + " event";
      vi[english + " (non-interrupting)"] = vi[english] + nonInterrupting;
    });
  });
  window.tthcModelerWords = window.tthcModelerWords || {};
  window.tthcModelerWords.vi = vi;
}());
