var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSpillwayActors();
builder.Services.AddSpillwayDashboard();

var app = builder.Build();
app.MapSpillwayDashboard("/spillway");   // in production add .RequireAuthorization(): it covers the page and its JSON
app.Run();                               // then open http://localhost:5000/spillway
